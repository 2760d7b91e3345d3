#ifndef CAPSTAN_COPENH264_SHIM_H
#define CAPSTAN_COPENH264_SHIM_H
#include <string.h>
#include <stdbool.h>
#include <wels/codec_api.h>

/* The encoder is a C vtable (ISVCEncoder is a pointer to it): calls through
   it do not import as functions, so they are wrapped here. */

/* A real-time, single-layer, single-slice Constrained Baseline encoder
   (CAVLC, no B-frames), SPS/PPS with constant ids in front of every IDR, no
   scene-change IDRs.
   NULL on failure (*rv holds the openh264 return code). */
static inline ISVCEncoder *capstan_openh264_open(int width, int height, float fps, int bitrate,
                                                 unsigned int intraPeriod, int *rv) {
    ISVCEncoder *enc = NULL;
    *rv = WelsCreateSVCEncoder(&enc);
    if (*rv != 0 || enc == NULL) { if (*rv == 0) *rv = -1; return NULL; }
    SEncParamExt p;
    memset(&p, 0, sizeof p);
    (*enc)->GetDefaultParams(enc, &p);
    p.iUsageType = CAMERA_VIDEO_REAL_TIME;
    p.iPicWidth = width;
    p.iPicHeight = height;
    p.iTargetBitrate = bitrate;
    p.iMaxBitrate = bitrate * 2;
    p.iRCMode = RC_BITRATE_MODE;
    p.fMaxFrameRate = fps;
    p.iSpatialLayerNum = 1;
    p.iTemporalLayerNum = 1;
    p.uiIntraPeriod = intraPeriod;
    p.eSpsPpsIdStrategy = CONSTANT_ID;
    p.bEnableFrameSkip = false;
    /* IDRs only at the start, every intraPeriod and on request: openh264's scene-change
       detection otherwise adds IDRs when the picture jumps (a frame skipped by a late
       encoder), and a fixed keyframe interval would not be fixed. */
    p.bEnableSceneChangeDetect = false;
    p.iMultipleThreadIdc = 1;
    p.iEntropyCodingModeFlag = 0;
    p.bPrefixNalAddingCtrl = false;
    p.sSpatialLayers[0].iVideoWidth = width;
    p.sSpatialLayers[0].iVideoHeight = height;
    p.sSpatialLayers[0].fFrameRate = fps;
    p.sSpatialLayers[0].iSpatialBitrate = bitrate;
    p.sSpatialLayers[0].iMaxSpatialBitrate = bitrate * 2;
    p.sSpatialLayers[0].uiProfileIdc = PRO_BASELINE;
    p.sSpatialLayers[0].sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
    *rv = (*enc)->InitializeExt(enc, &p);
    if (*rv != 0) { WelsDestroySVCEncoder(enc); return NULL; }
    int format = videoFormatI420;
    (*enc)->SetOption(enc, ENCODER_OPTION_DATAFORMAT, &format);
    return enc;
}

static inline void capstan_openh264_close(ISVCEncoder *enc) {
    (*enc)->Uninitialize(enc);
    WelsDestroySVCEncoder(enc);
}

/* Encodes one I420 picture; the Annex B bytes of every layer go to `out`
   (at most `capacity`). Returns the openh264 code (0 success, -2 when `out`
   is too small); *size gets the bytes written (0: the encoder skipped the
   frame), *isIDR whether it is an IDR picture. */
static inline int capstan_openh264_encode(ISVCEncoder *enc, int width, int height,
                                          const unsigned char *y, const unsigned char *u, const unsigned char *v,
                                          int strideY, int strideUV, long long timestampMs, bool forceIDR,
                                          unsigned char *out, int capacity, int *size, bool *isIDR) {
    *size = 0;
    *isIDR = false;
    if (forceIDR) (*enc)->ForceIntraFrame(enc, true);
    SSourcePicture pic;
    memset(&pic, 0, sizeof pic);
    pic.iColorFormat = videoFormatI420;
    pic.iPicWidth = width;
    pic.iPicHeight = height;
    pic.iStride[0] = strideY;
    pic.iStride[1] = strideUV;
    pic.iStride[2] = strideUV;
    pic.pData[0] = (unsigned char *)y;
    pic.pData[1] = (unsigned char *)u;
    pic.pData[2] = (unsigned char *)v;
    pic.uiTimeStamp = timestampMs;
    SFrameBSInfo info;
    memset(&info, 0, sizeof info);
    int rv = (*enc)->EncodeFrame(enc, &pic, &info);
    if (rv != 0) return rv;
    if (info.eFrameType == videoFrameTypeSkip) return 0;
    *isIDR = info.eFrameType == videoFrameTypeIDR;
    int written = 0;
    for (int l = 0; l < info.iLayerNum; l++) {
        SLayerBSInfo *layer = &info.sLayerInfo[l];
        int bytes = 0;
        for (int n = 0; n < layer->iNalCount; n++) bytes += layer->pNalLengthInByte[n];
        if (bytes < 0 || written > capacity - bytes) return -2;
        memcpy(out + written, layer->pBsBuf, (size_t)bytes);
        written += bytes;
    }
    *size = written;
    return 0;
}
#endif
