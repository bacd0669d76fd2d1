#pragma once

#include <QtGlobal>

#include <chrono>

namespace keyward::transport {

// The bounds the HTTP transport enforces on every client. Defaults suit the owner process; tests
// shrink the timeouts.
struct HttpLimits {
    // A request head (request line and headers) larger than this is answered 431 and closed.
    qsizetype maxHeadBytes = 16 * 1024;
    // A request body larger than this is answered 413 and closed.
    qsizetype maxBodyBytes = 4 * 1024 * 1024;
    // A keep-alive connection with no request in progress and no reply pending is closed after this.
    std::chrono::milliseconds idleTimeout = std::chrono::seconds(60);
    // A request whose head and body have not fully arrived this long after its first byte is
    // answered 408 and closed (slow clients holding connections open).
    std::chrono::milliseconds requestTimeout = std::chrono::seconds(30);
    // Open connections at most; at the cap the least recently active idle connection is closed to
    // make room for a new client.
    int maxConnections = 2048;
    // An MCP session unused this long (and with no call in progress) ends.
    std::chrono::milliseconds sessionIdleTimeout = std::chrono::hours(1);
    // MCP sessions at most; at the cap the least recently used idle session ends.
    int maxSessions = 1024;
};

} // namespace keyward::transport
