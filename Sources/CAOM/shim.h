#ifndef CAPSTAN_CAOM_SHIM_H
#define CAPSTAN_CAOM_SHIM_H
#include <aom/aom_encoder.h>
#include <aom/aomcx.h>

/* libaom's AV1 encoder in real-time mode (AOM_USAGE_REALTIME), one pass CBR,
   no lag, keyframes only when asked: the macros and variadic controls wrapped
   so Swift can call them. 0 (AOM_CODEC_OK) or the error. */
static inline aom_codec_err_t capstan_aom_open(aom_codec_ctx_t *ctx, unsigned int w, unsigned int h, int timebase,
                                               unsigned int kbps, unsigned int threads, int speed) {
    aom_codec_enc_cfg_t cfg;
    aom_codec_err_t rc = aom_codec_enc_config_default(aom_codec_av1_cx(), &cfg, AOM_USAGE_REALTIME);
    if (rc != AOM_CODEC_OK) return rc;
    cfg.g_w = w;
    cfg.g_h = h;
    cfg.g_timebase.num = 1;
    cfg.g_timebase.den = timebase;
    cfg.rc_target_bitrate = kbps;
    cfg.g_threads = threads;
    cfg.g_lag_in_frames = 0;
    cfg.g_pass = AOM_RC_ONE_PASS;
    cfg.rc_end_usage = AOM_CBR;
    cfg.kf_mode = AOM_KF_DISABLED;
    cfg.g_error_resilient = 0;
    rc = aom_codec_enc_init(ctx, aom_codec_av1_cx(), &cfg, 0);
    if (rc != AOM_CODEC_OK) return rc;
    rc = aom_codec_control(ctx, AOME_SET_CPUUSED, speed);
    if (rc != AOM_CODEC_OK) { aom_codec_destroy(ctx); return rc; }
    aom_codec_control(ctx, AV1E_SET_AQ_MODE, 0);
    aom_codec_control(ctx, AV1E_SET_ENABLE_ORDER_HINT, 0);
    aom_codec_control(ctx, AV1E_SET_COEFF_COST_UPD_FREQ, 3);
    aom_codec_control(ctx, AV1E_SET_MODE_COST_UPD_FREQ, 3);
    aom_codec_control(ctx, AV1E_SET_MV_COST_UPD_FREQ, 3);
    return AOM_CODEC_OK;
}

static const aom_enc_frame_flags_t CAPSTAN_AOM_EFLAG_FORCE_KF = AOM_EFLAG_FORCE_KF;
static const aom_codec_frame_flags_t CAPSTAN_AOM_FRAME_IS_KEY = AOM_FRAME_IS_KEY;
#endif
