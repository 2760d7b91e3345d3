#ifndef CAPSTAN_CDAV1D_SHIM_H
#define CAPSTAN_CDAV1D_SHIM_H
#include <errno.h>
#include <string.h>
#include <dav1d/dav1d.h>

/* A dav1d decoder for `capstan inspect`: one thread, no frame delay (pictures
   come out with the temporal unit that shows them), the highest spatial layer
   only, no log output. 0 or a negative errno. */
static inline int capstan_dav1d_open(Dav1dContext **ctx) {
    Dav1dSettings s;
    dav1d_default_settings(&s);
    s.n_threads = 1;
    s.max_frame_delay = 1;
    s.all_layers = 0;
    s.logger.callback = NULL;
    return dav1d_open(ctx, &s);
}

static inline void capstan_dav1d_close(Dav1dContext **ctx) { dav1d_close(ctx); }

/* Sends one temporal unit (size 0: drain) and collects the pictures that come
   out: their sizes in widths/heights (up to max), their number in *count.
   0, or the first negative errno dav1d returned. */
static inline int capstan_dav1d_decode(Dav1dContext *ctx, const uint8_t *bytes, size_t size,
                                       int *widths, int *heights, int max, int *count) {
    Dav1dData data;
    memset(&data, 0, sizeof data);
    *count = 0;
    if (size > 0) {
        uint8_t *buf = dav1d_data_create(&data, size);
        if (!buf) return -ENOMEM;
        memcpy(buf, bytes, size);
    }
    for (int round = 0; round < 256; round++) {
        if (data.sz > 0) {
            int rc = dav1d_send_data(ctx, &data);
            if (rc < 0 && rc != DAV1D_ERR(EAGAIN)) { dav1d_data_unref(&data); return rc; }
        }
        for (int i = 0; i < 64; i++) {
            Dav1dPicture p;
            memset(&p, 0, sizeof p);
            int g = dav1d_get_picture(ctx, &p);
            if (g == DAV1D_ERR(EAGAIN)) break;
            if (g < 0) { if (data.sz > 0) dav1d_data_unref(&data); return g; }
            if (*count < max) { widths[*count] = p.p.w; heights[*count] = p.p.h; }
            (*count)++;
            dav1d_picture_unref(&p);
        }
        if (data.sz == 0) break;
    }
    if (data.sz > 0) { dav1d_data_unref(&data); return -EAGAIN; }
    return 0;
}
#endif
