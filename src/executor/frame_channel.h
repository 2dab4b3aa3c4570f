// FrameChannel: whole messages over a stream socket, between orc and its executor processes.
//
// A frame is a 4-byte little-endian length followed by that many bytes (a JSON document; see
// executor_protocol.h). Frames larger than kMaxFrameBytes are refused: the peer is broken or
// hostile, and the channel is no longer usable.
//
// Ownership: the channel owns its socket and closes it. Thread safety: Send() may be called from
// several threads at once (frames are never interleaved); the receiving side (ReadAvailable,
// TakeFrame, Receive) belongs to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace orc {

class FrameChannel {
 public:
  static constexpr size_t kMaxFrameBytes = 64 << 20;
  using Deadline = std::chrono::steady_clock::time_point;

  // Takes ownership of `fd`, a connected stream socket, and makes it non-blocking.
  explicit FrameChannel(int fd);
  ~FrameChannel();
  FrameChannel(const FrameChannel&) = delete;
  FrameChannel& operator=(const FrameChannel&) = delete;

  int fd() const { return fd_; }

  // Sends one frame, waiting while the socket's buffer is full, until `deadline` when one is given.
  // Unavailable when the peer has gone or the deadline passed (the frame may then be half sent:
  // the channel must be abandoned).
  Status Send(std::string_view payload, std::optional<Deadline> deadline = std::nullopt);

  // Reads whatever the socket holds now, without waiting. Unavailable when the peer closed its end
  // (after the frames it sent before can still be taken).
  Status ReadAvailable();
  // The next complete frame read so far; nullopt when none is complete. InvalidArgument for a
  // frame announcing more than kMaxFrameBytes.
  Result<std::optional<std::string>> TakeFrame();

  // Waits up to `timeout` for a frame. nullopt when none came in time; Unavailable when the peer
  // closed its end.
  Result<std::optional<std::string>> Receive(std::chrono::milliseconds timeout);

 private:
  int fd_;
  std::mutex send_mutex_;  // one frame at a time
  std::string received_;   // bytes read and not yet taken as frames
  bool closed_ = false;    // the peer closed its end
};

}  // namespace orc
