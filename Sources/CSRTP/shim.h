#ifndef CAPSTAN_CSRTP_SHIM_H
#define CAPSTAN_CSRTP_SHIM_H
#include <srtp2/srtp.h>

/* Key/salt lengths as plain constants (the originals are macros built from
   other macros, which Swift imports unreliably). */
static const int CAPSTAN_SRTP_AES_128_KEY_LEN = 16;
static const int CAPSTAN_SRTP_SALT_LEN = 14;
static const int CAPSTAN_SRTP_AEAD_SALT_LEN = 12;
static const int CAPSTAN_SRTP_MAX_TRAILER_LEN = SRTP_MAX_TRAILER_LEN;

/* dtls-srtp additions: SSRC wildcard types and AES-GCM tag length. */
static const srtp_ssrc_type_t CAPSTAN_SSRC_ANY_INBOUND = ssrc_any_inbound;
static const srtp_ssrc_type_t CAPSTAN_SSRC_ANY_OUTBOUND = ssrc_any_outbound;
static const int CAPSTAN_SRTP_GCM_TAG_LEN = 16;
static const int CAPSTAN_SRTP_HMAC_SHA1_80_TAG_LEN = 10;
static const int CAPSTAN_SRTCP_INDEX_LEN = 4;
#endif
