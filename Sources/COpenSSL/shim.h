#ifndef CAPSTAN_COPENSSL_SHIM_H
#define CAPSTAN_COPENSSL_SHIM_H
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

/* Function-like macros and variadic calls that Swift cannot import, as
   typed inline functions. Cast-expression constants as static consts. */
static inline int capstan_ssl_ctx_set_min_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_min_proto_version(ctx, v); }
static inline int capstan_ssl_ctx_set_max_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_max_proto_version(ctx, v); }
static inline void capstan_ssl_ctx_set_read_ahead(SSL_CTX *ctx, int v) { SSL_CTX_set_read_ahead(ctx, v); }
static inline long capstan_dtls_handle_timeout(SSL *ssl) { return DTLSv1_handle_timeout(ssl); }
static inline long capstan_dtls_get_timeout(SSL *ssl, struct timeval *tv) { return DTLSv1_get_timeout(ssl, tv); }
static inline long capstan_ssl_set_mtu(SSL *ssl, long mtu) { return SSL_set_mtu(ssl, mtu); }
static inline long capstan_bio_set_mem_eof_return(BIO *b, long v) { return BIO_set_mem_eof_return(b, v); }
static inline long capstan_bio_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }
static inline EVP_PKEY *capstan_evp_ec_gen_p256(void) { return EVP_EC_gen("P-256"); }
static inline EVP_PKEY *capstan_evp_rsa_gen(unsigned int bits) { return EVP_RSA_gen(bits); }
static inline int capstan_ssl_ctx_set1_groups_list(SSL_CTX *ctx, const char *list) { return (int)SSL_CTX_set1_groups_list(ctx, list); }

static const uint64_t CAPSTAN_SSL_OP_NO_QUERY_MTU = SSL_OP_NO_QUERY_MTU;
static const uint64_t CAPSTAN_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
static const int CAPSTAN_DTLS1_2_VERSION = DTLS1_2_VERSION;
static const int CAPSTAN_DTLS1_VERSION = DTLS1_VERSION;
static const int CAPSTAN_BIO_TYPE_SOURCE_SINK = BIO_TYPE_SOURCE_SINK;
static const int CAPSTAN_SSL_VERIFY_PEER = SSL_VERIFY_PEER;
static const int CAPSTAN_SSL_VERIFY_FAIL_IF_NO_PEER_CERT = SSL_VERIFY_FAIL_IF_NO_PEER_CERT;

/* dtls-srtp additions: BIO retry flags and DTLS link MTU are macros. */
static inline void capstan_bio_set_retry_read(BIO *b) { BIO_set_retry_read(b); }
static inline void capstan_bio_clear_retry_flags(BIO *b) { BIO_clear_retry_flags(b); }
static inline long capstan_dtls_set_link_mtu(SSL *ssl, long mtu) { return DTLS_set_link_mtu(ssl, mtu); }
static inline uint64_t capstan_ssl_ctx_set_options(SSL_CTX *ctx, uint64_t op) { return (uint64_t)SSL_CTX_set_options(ctx, op); }
static inline int capstan_ssl_set_app_data(SSL *ssl, void *data) { return SSL_set_app_data(ssl, data); }
static inline void *capstan_ssl_get_app_data(const SSL *ssl) { return SSL_get_app_data(ssl); }
static inline long capstan_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }
static const long CAPSTAN_SSL_SESS_CACHE_OFF = SSL_SESS_CACHE_OFF;
static const int CAPSTAN_SSL_RECEIVED_SHUTDOWN = SSL_RECEIVED_SHUTDOWN;
static const int CAPSTAN_MBSTRING_ASC = MBSTRING_ASC;

/* The shortest ciphertext a protected DTLS record can have under the current
 * cipher (explicit nonce, tag, or IV + one block of MAC and padding). OpenSSL
 * 3.0.19 answers a shorter record with a fatal alert instead of discarding it
 * (RFC 6347 §4.1.2.7), so the endpoint drops such records before OpenSSL sees
 * them. Without a negotiated cipher: 16, which no cipher suite goes below. */
static inline int capstan_dtls_min_ciphertext(const SSL *ssl) {
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    if (cipher == NULL) return 16;
    switch (SSL_CIPHER_get_cipher_nid(cipher)) {
    case NID_aes_128_gcm: case NID_aes_256_gcm:
        return 8 + 16;
    case NID_aes_128_ccm: case NID_aes_256_ccm: {
        const char *name = SSL_CIPHER_get_name(cipher);
        return 8 + ((name != NULL && strstr(name, "CCM8") != NULL) ? 8 : 16);
    }
    case NID_chacha20_poly1305:
        return 16;
    default: {
        int digest = SSL_CIPHER_get_digest_nid(cipher);
        const EVP_MD *md = digest == NID_undef ? NULL : EVP_get_digestbyname(OBJ_nid2sn(digest));
        int mac = md != NULL ? EVP_MD_get_size(md) : 0;
        if (mac < 0) mac = 0;
        return 16 + ((mac + 1 + 15) / 16) * 16;
    }
    }
}
#endif
