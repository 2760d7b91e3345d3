#ifndef CAPSTAN_CAVCODEC_SHIM_H
#define CAPSTAN_CAVCODEC_SHIM_H
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>

/* AVERROR(EAGAIN) and AVERROR_EOF are function-like / cast macros: copies Swift can read. */
static const int CAPSTAN_AVERROR_EAGAIN = AVERROR(EAGAIN);
static const int CAPSTAN_AVERROR_EOF = AVERROR_EOF;
static const int CAPSTAN_AV_FRAME_FLAG_CORRUPT = AV_FRAME_FLAG_CORRUPT;

/* An H.264 decoder, single-threaded (frames come out in order, no frame-thread
   delay), with `extradata` (the avcC record; may be empty for Annex B input)
   copied into padded av_malloc'd memory as libavcodec requires. Errors are
   reported, not concealed silently: AV_EF_EXPLODE. NULL on failure (*err set). */
static inline AVCodecContext *capstan_h264_decoder_open(const uint8_t *extradata, int size, int *err) {
    av_log_set_level(AV_LOG_QUIET);
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    if (!codec) { *err = AVERROR_DECODER_NOT_FOUND; return NULL; }
    AVCodecContext *ctx = avcodec_alloc_context3(codec);
    if (!ctx) { *err = AVERROR(ENOMEM); return NULL; }
    if (size > 0 && extradata) {
        ctx->extradata = av_mallocz((size_t)size + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!ctx->extradata) { avcodec_free_context(&ctx); *err = AVERROR(ENOMEM); return NULL; }
        memcpy(ctx->extradata, extradata, (size_t)size);
        ctx->extradata_size = size;
    }
    ctx->thread_count = 1;
    ctx->err_recognition = AV_EF_EXPLODE;
    *err = avcodec_open2(ctx, codec, NULL);
    if (*err < 0) { avcodec_free_context(&ctx); return NULL; }
    return ctx;
}

static inline void capstan_avcodec_close(AVCodecContext *ctx) { avcodec_free_context(&ctx); }

/* Sends one packet (copied into a padded buffer); size 0 starts draining. */
static inline int capstan_avcodec_send(AVCodecContext *ctx, AVPacket *pkt, const uint8_t *data, int size, int64_t pts) {
    if (size <= 0) return avcodec_send_packet(ctx, NULL);
    int err = av_new_packet(pkt, size);
    if (err < 0) return err;
    memcpy(pkt->data, data, (size_t)size);
    pkt->pts = pts;
    pkt->dts = pts;
    err = avcodec_send_packet(ctx, pkt);
    av_packet_unref(pkt);
    return err;
}
#endif
