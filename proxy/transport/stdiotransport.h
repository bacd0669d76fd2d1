#pragma once

#include <QByteArray>
#include <QObject>

#include <atomic>
#include <memory>
#include <thread>

namespace keyward::transport {

// MCP's stdio transport: newline-delimited JSON-RPC messages on stdin, responses on stdout.
// stdout carries nothing but messages. A reader thread blocks on stdin (portable to any kind of
// stdin: pipe, file or terminal) and hands each line to the owning thread through queued signals.
// Lines over kMaxLineBytes are discarded and reported with lineTooLong().
//
// Contract: create it on the thread that runs the event loop and keep it alive until that loop
// has ended; start() once.
class StdioTransport : public QObject {
    Q_OBJECT
public:
    static constexpr qsizetype kMaxLineBytes = 4 * 1024 * 1024;

    explicit StdioTransport(QObject *parent = nullptr);
    ~StdioTransport() override;

    // Starts reading stdin (file descriptor `inputFd`, 0 by default).
    void start(int inputFd = 0);

    // Writes one message and a newline to stdout and flushes.
    void send(const QByteArray &message);

Q_SIGNALS:
    void lineReceived(const QByteArray &line);
    void lineTooLong();
    // stdin reached its end (or failed); no further lineReceived follows.
    void endOfInput();

private:
    std::thread m_reader;
    std::shared_ptr<std::atomic<bool>> m_alive;
};

} // namespace keyward::transport
