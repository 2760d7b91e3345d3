/*
 * CWebMParser: a plain C API over libwebm's shipped parser (webm::WebmParser).
 *
 * The parse is synchronous and streaming: callbacks fire in file order on the
 * calling thread; pointers passed to callbacks are valid only during the call.
 * Not thread-safe per call context; each call to cwebm_parse_file is independent.
 */
#ifndef CWEBMPARSER_H
#define CWEBMPARSER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes reported in cwebm_status.code. */
enum {
    CWEBM_OK = 0,                    /* the whole document parsed */
    CWEBM_END_OF_FILE = -3,          /* input ended inside an element (truncated) */
    CWEBM_OPEN_FAILED = -100,        /* fopen failed; errno_value holds errno */
    CWEBM_ABORTED = -101,            /* a callback asked to stop */
    CWEBM_OUT_OF_MEMORY = -102,      /* std::bad_alloc while parsing */
    CWEBM_INTERNAL = -103,           /* any other C++ exception */
    /* libwebm parsing errors are passed through unchanged: */
    CWEBM_INVALID_ELEMENT_ID = -1025,
    CWEBM_INVALID_ELEMENT_SIZE = -1026,
    CWEBM_INDEFINITE_UNKNOWN_ELEMENT = -1027,
    CWEBM_ELEMENT_OVERFLOW = -1028,
    CWEBM_NOT_ENOUGH_MEMORY = -1029,
    CWEBM_INVALID_ELEMENT_VALUE = -1030,
    CWEBM_RECURSION_DEPTH = -1031,
    /* Ours: a cluster, block or cue time (timecode x TimecodeScale, plus the
       lace offset) does not fit in int64 nanoseconds. Parsing stops there;
       status.offset says where. */
    CWEBM_TIMESTAMP_OUT_OF_RANGE = -1100
};

/* Track types (Matroska TrackType). */
enum { CWEBM_TRACK_VIDEO = 1, CWEBM_TRACK_AUDIO = 2 };

/** One TrackEntry. Absent values are 0 (sampling_frequency 0.0). */
typedef struct cwebm_track {
    uint64_t number;
    uint64_t type;
    const char *codec_id;            /* NUL-terminated, "" when absent */
    const uint8_t *codec_private;    /* NULL when absent */
    size_t codec_private_size;
    uint64_t codec_delay_ns;
    uint64_t seek_pre_roll_ns;
    uint64_t default_duration_ns;
    uint64_t pixel_width;
    uint64_t pixel_height;
    uint64_t channels;
    double sampling_frequency;
} cwebm_track;

/** One frame (one per laced frame of a block). */
typedef struct cwebm_frame {
    uint64_t track_number;
    int64_t timestamp_ns;            /* (cluster + block timecode) * scale, + lace offset */
    int32_t is_keyframe;             /* SimpleBlock flag; BlockGroup: no ReferenceBlock */
    uint32_t lace_index;
    uint64_t offset;                 /* absolute file offset of the frame bytes */
    uint64_t size;
    const uint8_t *data;
    uint64_t cluster_offset;         /* absolute offset of the enclosing Cluster */
} cwebm_frame;

/** One CuePoint (the first CueTrackPositions of it). */
typedef struct cwebm_cue_point {
    int64_t time_ns;
    uint64_t track;
    uint64_t cluster_position;       /* relative to the Segment data start */
    uint32_t track_positions;        /* number of CueTrackPositions */
} cwebm_cue_point;

/**
 Callbacks; any may be NULL. Callbacks returning int stop the parse when they
 return nonzero (the status becomes CWEBM_ABORTED).
 */
typedef struct cwebm_callbacks {
    int (*on_ebml)(void *ctx, const char *doc_type, uint64_t doc_type_version);
    int (*on_segment)(void *ctx, uint64_t offset, uint64_t data_offset,
                      int32_t size_known, uint64_t size);
    int (*on_seek)(void *ctx, uint64_t element_id, uint64_t position);
    int (*on_info)(void *ctx, uint64_t timecode_scale, int32_t has_duration,
                   double duration_ticks);
    int (*on_track)(void *ctx, const cwebm_track *track);
    int (*on_cluster_begin)(void *ctx, uint64_t offset, int64_t timecode_ns);
    int (*on_cluster_end)(void *ctx, uint64_t offset, uint64_t end_offset);
    int (*on_frame)(void *ctx, const cwebm_frame *frame);
    int (*on_cue_point)(void *ctx, const cwebm_cue_point *cue);
    int (*on_cues)(void *ctx, uint64_t offset);
} cwebm_callbacks;

/** Final status of a parse. */
typedef struct cwebm_status {
    int32_t code;                    /* CWEBM_* */
    int32_t errno_value;             /* for CWEBM_OPEN_FAILED */
    uint64_t offset;                 /* byte offset where parsing stopped */
    uint64_t file_size;
} cwebm_status;

/**
 Parses the WebM/Matroska file at `path`, calling `callbacks` with `ctx`.
 Returns status->code. Never throws; bad input yields an error code and the
 offset where parsing stopped.
 */
int32_t cwebm_parse_file(const char *path, const cwebm_callbacks *callbacks,
                         void *ctx, cwebm_status *status);

#ifdef __cplusplus
}
#endif

#endif /* CWEBMPARSER_H */
