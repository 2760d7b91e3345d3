// C API over libwebm's parser. See include/CWebMParser.h.
// Not thread-safe per parse; every cwebm_parse_file call owns its own state.

#include "CWebMParser.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <webm/callback.h>
#include <webm/file_reader.h>
#include <webm/status.h>
#include <webm/webm_parser.h>

namespace {

using webm::Action;
using webm::ElementMetadata;
using webm::Status;

constexpr std::uint64_t kAttachmentsId = 0x1941A469;
constexpr std::uint64_t kChaptersId = 0x1043A770;
constexpr std::uint64_t kTagsId = 0x1254C367;

bool IsTopLevel(webm::Id id) {
    auto raw = static_cast<std::uint64_t>(id);
    return id == webm::Id::kCluster || id == webm::Id::kCues ||
           id == webm::Id::kSeekHead || id == webm::Id::kInfo ||
           id == webm::Id::kTracks || raw == kAttachmentsId ||
           raw == kChaptersId || raw == kTagsId;
}

struct PendingFrame {
    std::uint64_t offset;
    std::uint32_t lace_index;
    std::vector<std::uint8_t> bytes;
};

// Times: every product and sum of file-controlled values is checked (signed
// overflow is undefined behaviour). A time that does not fit in int64 ns
// stops the parse with CWEBM_TIMESTAMP_OUT_OF_RANGE.

/// ticks × scale in ns, or false when either does not fit in int64 or the
/// product overflows.
bool ScaledTime(std::int64_t ticks, std::uint64_t scale, std::int64_t *out) {
    if (scale > static_cast<std::uint64_t>(INT64_MAX)) return false;
    return !__builtin_mul_overflow(ticks, static_cast<std::int64_t>(scale), out);
}

/// An unsigned element value as int64 ticks, or false past INT64_MAX.
bool SignedTicks(std::uint64_t value, std::int64_t *out) {
    if (value > static_cast<std::uint64_t>(INT64_MAX)) return false;
    *out = static_cast<std::int64_t>(value);
    return true;
}

// A positive code: libwebm reserves codes <= 0 and passes ours through.
constexpr std::int32_t kOutOfRangeStatus = 1;

struct TrackTiming {
    std::uint64_t number;
    std::uint64_t default_duration_ns;
};

class ParserCallback final : public webm::Callback {
  public:
    ParserCallback(const cwebm_callbacks *cb, void *ctx, std::uint64_t file_size)
        : cb_(cb), ctx_(ctx), file_size_(file_size) {}

    webm::Reader *reader = nullptr;
    std::uint64_t last_cluster_end = 0;

    Status OnElementBegin(const ElementMetadata &m, Action *action) override {
        *action = Action::kRead;
        if (IsTopLevel(m.id) && m.position != webm::kUnknownElementPosition) {
            last_top_level_begin_ = m.position;
            if (pending_cluster_end_) {
                pending_cluster_end_ = false;
                if (!EmitClusterEnd(pending_cluster_offset_, m.position))
                    return Aborted();
            }
        }
        if (m.id == webm::Id::kCues && cb_->on_cues &&
            cb_->on_cues(ctx_, m.position) != 0)
            return Aborted();
        return Status(Status::kOkCompleted);
    }

    Status OnEbml(const ElementMetadata &, const webm::Ebml &ebml) override {
        if (cb_->on_ebml &&
            cb_->on_ebml(ctx_, ebml.doc_type.value().c_str(),
                         ebml.doc_type_version.value()) != 0)
            return Aborted();
        return Status(Status::kOkCompleted);
    }

    Status OnSegmentBegin(const ElementMetadata &m, Action *action) override {
        *action = Action::kRead;
        bool known = m.size != webm::kUnknownElementSize;
        if (cb_->on_segment &&
            cb_->on_segment(ctx_, m.position, m.position + m.header_size,
                            known ? 1 : 0, known ? m.size : 0) != 0)
            return Aborted();
        return Status(Status::kOkCompleted);
    }

    Status OnSeek(const ElementMetadata &, const webm::Seek &seek) override {
        if (cb_->on_seek &&
            cb_->on_seek(ctx_, static_cast<std::uint64_t>(seek.id.value()),
                         seek.position.value()) != 0)
            return Aborted();
        return Status(Status::kOkCompleted);
    }

    Status OnInfo(const ElementMetadata &, const webm::Info &info) override {
        timecode_scale_ = info.timecode_scale.value();
        if (timecode_scale_ == 0) timecode_scale_ = 1000000;
        if (cb_->on_info &&
            cb_->on_info(ctx_, timecode_scale_, info.duration.is_present() ? 1 : 0,
                         info.duration.value()) != 0)
            return Aborted();
        return Status(Status::kOkCompleted);
    }

    Status OnTrackEntry(const ElementMetadata &, const webm::TrackEntry &t) override {
        cwebm_track out;
        std::memset(&out, 0, sizeof out);
        out.number = t.track_number.value();
        out.type = static_cast<std::uint64_t>(t.track_type.value());
        out.codec_id = t.codec_id.value().c_str();
        if (t.codec_private.is_present()) {
            out.codec_private = t.codec_private.value().data();
            out.codec_private_size = t.codec_private.value().size();
        }
        out.codec_delay_ns = t.codec_delay.value();
        out.seek_pre_roll_ns = t.seek_pre_roll.value();
        out.default_duration_ns = t.default_duration.value();
        if (t.video.is_present()) {
            out.pixel_width = t.video.value().pixel_width.value();
            out.pixel_height = t.video.value().pixel_height.value();
        }
        if (t.audio.is_present()) {
            out.channels = t.audio.value().channels.value();
            out.sampling_frequency = t.audio.value().sampling_frequency.value();
        }
        tracks_.push_back({out.number, out.default_duration_ns});
        if (cb_->on_track && cb_->on_track(ctx_, &out) != 0) return Aborted();
        return Status(Status::kOkCompleted);
    }

    Status OnClusterBegin(const ElementMetadata &m, const webm::Cluster &cluster,
                          Action *action) override {
        *action = Action::kRead;
        if (pending_cluster_end_) {
            // An unknown-size cluster ended where this one begins.
            pending_cluster_end_ = false;
            if (!EmitClusterEnd(pending_cluster_offset_, m.position)) return Aborted();
        }
        cluster_offset_ = m.position;
        std::int64_t ticks = 0, ns = 0;
        if (!SignedTicks(cluster.timecode.value(), &ticks) ||
            !ScaledTime(ticks, timecode_scale_, &ns))
            return OutOfRange();
        cluster_timecode_ = ticks;
        if (cb_->on_cluster_begin && cb_->on_cluster_begin(ctx_, m.position, ns) != 0)
            return Aborted();
        return Status(Status::kOkCompleted);
    }

    Status OnClusterEnd(const ElementMetadata &m, const webm::Cluster &) override {
        if (m.size != webm::kUnknownElementSize) {
            if (!EmitClusterEnd(m.position, m.position + m.header_size + m.size))
                return Aborted();
        } else if (last_top_level_begin_ > m.position) {
            if (!EmitClusterEnd(m.position, last_top_level_begin_)) return Aborted();
        } else {
            pending_cluster_end_ = true;
            pending_cluster_offset_ = m.position;
        }
        return Status(Status::kOkCompleted);
    }

    Status OnSimpleBlockBegin(const ElementMetadata &, const webm::SimpleBlock &b,
                              Action *action) override {
        *action = Action::kRead;
        in_group_ = false;
        BeginBlock(b.track_number, b.timecode);
        block_key_ = b.is_key_frame;
        return Status(Status::kOkCompleted);
    }

    Status OnBlockGroupBegin(const ElementMetadata &, Action *action) override {
        *action = Action::kRead;
        in_group_ = true;
        pending_.clear();
        return Status(Status::kOkCompleted);
    }

    Status OnBlockBegin(const ElementMetadata &, const webm::Block &b,
                        Action *action) override {
        *action = Action::kRead;
        BeginBlock(b.track_number, b.timecode);
        block_key_ = false;  // decided at the end of the BlockGroup
        return Status(Status::kOkCompleted);
    }

    Status OnBlockGroupEnd(const ElementMetadata &, const webm::BlockGroup &group) override {
        bool key = group.references.empty();
        for (auto &p : pending_) {
            Status s = EmitFrame(p.offset, p.lace_index, p.bytes.data(), p.bytes.size(), key);
            if (!s.completed_ok()) return s;
        }
        pending_.clear();
        in_group_ = false;
        return Status(Status::kOkCompleted);
    }

    Status OnFrame(const webm::FrameMetadata &m, webm::Reader *r,
                   std::uint64_t *bytes_remaining) override {
        // A frame claiming to reach past the end of the file is truncated:
        // stop here instead of allocating for it.
        if (m.position > file_size_ || m.size > file_size_ - m.position)
            return Status(Status::kEndOfFile);
        buffer_.resize(static_cast<std::size_t>(m.size));
        std::uint64_t done = m.size - *bytes_remaining;
        while (*bytes_remaining > 0) {
            std::uint64_t got = 0;
            Status s = r->Read(static_cast<std::size_t>(*bytes_remaining),
                               buffer_.data() + done, &got);
            done += got;
            *bytes_remaining -= got;
            if (s.code == Status::kOkPartial && got > 0) continue;
            if (!s.completed_ok()) return s;
        }
        std::uint32_t lace = lace_index_++;
        if (in_group_) {
            pending_.push_back({m.position, lace, buffer_});
            return Status(Status::kOkCompleted);
        }
        return EmitFrame(m.position, lace, buffer_.data(), buffer_.size(), block_key_);
    }

    Status OnCuePoint(const ElementMetadata &, const webm::CuePoint &cue) override {
        cwebm_cue_point out;
        std::memset(&out, 0, sizeof out);
        std::int64_t ticks = 0;
        if (!SignedTicks(cue.time.value(), &ticks) ||
            !ScaledTime(ticks, timecode_scale_, &out.time_ns))
            return OutOfRange();
        out.track_positions = static_cast<std::uint32_t>(cue.cue_track_positions.size());
        if (!cue.cue_track_positions.empty()) {
            const auto &p = cue.cue_track_positions.front().value();
            out.track = p.track.value();
            out.cluster_position = p.cluster_position.value();
        }
        if (cb_->on_cue_point && cb_->on_cue_point(ctx_, &out) != 0) return Aborted();
        return Status(Status::kOkCompleted);
    }

    /// Resolves a deferred unknown-size cluster end once parsing has stopped.
    bool Finish(std::uint64_t stop_offset, bool clean) {
        if (pending_cluster_end_ && clean) {
            pending_cluster_end_ = false;
            return EmitClusterEnd(pending_cluster_offset_, stop_offset);
        }
        return true;
    }

    bool aborted() const { return aborted_; }
    bool out_of_range() const { return out_of_range_; }

  private:
    Status Aborted() {
        aborted_ = true;
        return Status(static_cast<std::int32_t>(CWEBM_ABORTED));
    }

    Status OutOfRange() {
        out_of_range_ = true;
        return Status(kOutOfRangeStatus);
    }

    /// (cluster + block timecode) × scale + lace × DefaultDuration, checked.
    bool FrameTime(std::uint32_t lace, std::int64_t *out) const {
        std::int64_t ticks = 0, ns = 0, lace_offset = 0;
        if (__builtin_add_overflow(cluster_timecode_, block_timecode_, &ticks)) return false;
        if (!ScaledTime(ticks, timecode_scale_, &ns)) return false;
        if (block_default_duration_ > static_cast<std::uint64_t>(INT64_MAX)) return false;
        if (__builtin_mul_overflow(static_cast<std::int64_t>(lace),
                                   static_cast<std::int64_t>(block_default_duration_), &lace_offset))
            return false;
        return !__builtin_add_overflow(ns, lace_offset, out);
    }

    void BeginBlock(std::uint64_t track, std::int16_t timecode) {
        block_track_ = track;
        block_timecode_ = timecode;
        lace_index_ = 0;
        block_default_duration_ = 0;
        for (const auto &t : tracks_)
            if (t.number == track) block_default_duration_ = t.default_duration_ns;
    }

    bool EmitClusterEnd(std::uint64_t offset, std::uint64_t end) {
        last_cluster_end = end;
        return !(cb_->on_cluster_end && cb_->on_cluster_end(ctx_, offset, end) != 0);
    }

    Status EmitFrame(std::uint64_t offset, std::uint32_t lace, const std::uint8_t *data,
                     std::size_t size, bool key) {
        cwebm_frame f;
        std::memset(&f, 0, sizeof f);
        if (!FrameTime(lace, &f.timestamp_ns)) return OutOfRange();
        if (!cb_->on_frame) return Status(Status::kOkCompleted);
        f.track_number = block_track_;
        f.is_keyframe = key ? 1 : 0;
        f.lace_index = lace;
        f.offset = offset;
        f.size = size;
        f.data = data;
        f.cluster_offset = cluster_offset_;
        if (cb_->on_frame(ctx_, &f) != 0) return Aborted();
        return Status(Status::kOkCompleted);
    }

    const cwebm_callbacks *cb_;
    void *ctx_;
    std::uint64_t file_size_;
    std::uint64_t timecode_scale_ = 1000000;
    std::vector<TrackTiming> tracks_;
    std::uint64_t cluster_offset_ = 0;
    std::int64_t cluster_timecode_ = 0;
    std::uint64_t last_top_level_begin_ = 0;
    bool pending_cluster_end_ = false;
    std::uint64_t pending_cluster_offset_ = 0;
    std::uint64_t block_track_ = 0;
    std::int64_t block_timecode_ = 0;
    std::uint64_t block_default_duration_ = 0;
    bool block_key_ = false;
    bool in_group_ = false;
    std::uint32_t lace_index_ = 0;
    std::vector<std::uint8_t> buffer_;
    std::vector<PendingFrame> pending_;
    bool aborted_ = false;
    bool out_of_range_ = false;
};

}  // namespace

extern "C" int32_t cwebm_parse_file(const char *path, const cwebm_callbacks *callbacks,
                                    void *ctx, cwebm_status *status) {
    cwebm_status local;
    if (!status) status = &local;
    std::memset(status, 0, sizeof *status);
    cwebm_callbacks none;
    std::memset(&none, 0, sizeof none);
    if (!callbacks) callbacks = &none;

    std::FILE *file = path ? std::fopen(path, "rb") : nullptr;
    if (!file) {
        status->code = CWEBM_OPEN_FAILED;
        status->errno_value = path ? errno : EINVAL;
        return status->code;
    }
    struct stat st;
    if (fstat(fileno(file), &st) != 0) {
        status->code = CWEBM_OPEN_FAILED;
        status->errno_value = errno;
        std::fclose(file);
        return status->code;
    }
    status->file_size = static_cast<std::uint64_t>(st.st_size);

    try {
        webm::FileReader reader(file);  // takes ownership of `file`
        ParserCallback callback(callbacks, ctx, status->file_size);
        callback.reader = &reader;
        webm::WebmParser parser;
        Status s = parser.Feed(&callback, &reader);
        // FileReader never blocks; a partial status without progress means
        // the input ended.
        for (int spins = 0; s.code == Status::kOkPartial && spins < 4; ++spins)
            s = parser.Feed(&callback, &reader);
        if (s.code == Status::kOkPartial || s.code == Status::kWouldBlock)
            s = Status(Status::kEndOfFile);
        status->offset = reader.Position();
        if (callback.aborted()) {
            status->code = CWEBM_ABORTED;
        } else if (callback.out_of_range()) {
            status->code = CWEBM_TIMESTAMP_OUT_OF_RANGE;
        } else if (s.completed_ok()) {
            status->code = CWEBM_OK;
        } else if (s.code == Status::kEndOfFile && status->offset == status->file_size &&
                   callback.last_cluster_end == status->file_size) {
            // An unknown-size Segment (live or unfinalized file) that ends
            // exactly after a complete Cluster is a clean end of the document.
            status->code = CWEBM_OK;
        } else {
            status->code = s.code;
        }
        if (!callback.Finish(status->offset, status->code == CWEBM_OK) && status->code == CWEBM_OK)
            status->code = CWEBM_ABORTED;
    } catch (const std::bad_alloc &) {
        status->code = CWEBM_OUT_OF_MEMORY;
    } catch (...) {
        status->code = CWEBM_INTERNAL;
    }
    return status->code;
}
