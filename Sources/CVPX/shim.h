#ifndef CAPSTAN_CVPX_SHIM_H
#define CAPSTAN_CVPX_SHIM_H
#include <vpx/vpx_encoder.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

/* vpx_codec_enc_init / vpx_codec_dec_init are function-like macros and
   vpx_codec_control_ is variadic: typed wrappers so Swift can call them. */
static inline vpx_codec_err_t capstan_vpx_enc_init(vpx_codec_ctx_t *ctx, vpx_codec_enc_cfg_t *cfg, vpx_codec_flags_t flags) {
    return vpx_codec_enc_init(ctx, vpx_codec_vp8_cx(), cfg, flags);
}
static inline vpx_codec_err_t capstan_vpx_enc_config_default(vpx_codec_enc_cfg_t *cfg) {
    return vpx_codec_enc_config_default(vpx_codec_vp8_cx(), cfg, 0);
}
static inline vpx_codec_err_t capstan_vpx_dec_init(vpx_codec_ctx_t *ctx, unsigned int threads) {
    vpx_codec_dec_cfg_t cfg = { threads, 0, 0 };
    return vpx_codec_dec_init(ctx, vpx_codec_vp8_dx(), &cfg, 0);
}
/* VP9 (libvpx's vp9 encoder and decoder): the same calls with the VP9 interfaces. */
static inline vpx_codec_err_t capstan_vpx9_enc_init(vpx_codec_ctx_t *ctx, vpx_codec_enc_cfg_t *cfg, vpx_codec_flags_t flags) {
    return vpx_codec_enc_init(ctx, vpx_codec_vp9_cx(), cfg, flags);
}
static inline vpx_codec_err_t capstan_vpx9_enc_config_default(vpx_codec_enc_cfg_t *cfg) {
    return vpx_codec_enc_config_default(vpx_codec_vp9_cx(), cfg, 0);
}
static inline vpx_codec_err_t capstan_vpx9_dec_init(vpx_codec_ctx_t *ctx, unsigned int threads) {
    vpx_codec_dec_cfg_t cfg = { threads, 0, 0 };
    return vpx_codec_dec_init(ctx, vpx_codec_vp9_dx(), &cfg, 0);
}
static inline vpx_codec_err_t capstan_vpx9_set_row_mt(vpx_codec_ctx_t *ctx, unsigned int v) { return vpx_codec_control(ctx, VP9E_SET_ROW_MT, v); }
static inline vpx_codec_err_t capstan_vpx9_set_aq_mode(vpx_codec_ctx_t *ctx, unsigned int v) { return vpx_codec_control(ctx, VP9E_SET_AQ_MODE, v); }
static inline vpx_codec_err_t capstan_vpx_set_cpuused(vpx_codec_ctx_t *ctx, int v) { return vpx_codec_control(ctx, VP8E_SET_CPUUSED, v); }
static inline vpx_codec_err_t capstan_vpx_set_static_threshold(vpx_codec_ctx_t *ctx, unsigned int v) { return vpx_codec_control(ctx, VP8E_SET_STATIC_THRESHOLD, v); }
static inline vpx_codec_err_t capstan_vpx_set_noise_sensitivity(vpx_codec_ctx_t *ctx, unsigned int v) { return vpx_codec_control(ctx, VP8E_SET_NOISE_SENSITIVITY, v); }
static inline vpx_codec_err_t capstan_vpx_set_token_partitions(vpx_codec_ctx_t *ctx, int v) { return vpx_codec_control(ctx, VP8E_SET_TOKEN_PARTITIONS, (vp8e_token_partitions)v); }
static inline vpx_codec_err_t capstan_vpx_set_max_intra_bitrate_pct(vpx_codec_ctx_t *ctx, unsigned int v) { return vpx_codec_control(ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, v); }
static inline vpx_codec_err_t capstan_vpx_get_corrupted(vpx_codec_ctx_t *ctx, int *corrupted) { return vpx_codec_control(ctx, VP8D_GET_FRAME_CORRUPTED, corrupted); }

static const vpx_enc_frame_flags_t CAPSTAN_VPX_EFLAG_FORCE_KF = VPX_EFLAG_FORCE_KF;
static const unsigned long CAPSTAN_VPX_DL_REALTIME = VPX_DL_REALTIME;
static const unsigned long CAPSTAN_VPX_DL_GOOD_QUALITY = VPX_DL_GOOD_QUALITY;
static const vpx_codec_frame_flags_t CAPSTAN_VPX_FRAME_IS_KEY = VPX_FRAME_IS_KEY;
#endif
