#pragma once

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QList>
#include <QLocalSocket>
#include <QObject>
#include <QString>

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace keyward::daemon {

// The bridge side of `keyward mcp` (DESIGN.md "Processes"): relays one MCP session between the
// client's lines and the owner's socket. When the owner goes away mid-session the requests it had
// not answered are answered with a JSON-RPC error (the one failed call the client notices), the
// bridge reconnects (starting an owner when none answers), replays the client's initialize and
// initialized notification so the new owner's session is in the same state, and relays on;
// lines the client sends meanwhile wait and are then sent in order.
class Bridge : public QObject {
    Q_OBJECT
public:
    // Starts a background owner for the home; returns once it serves or has failed.
    using OwnerStarter = std::function<Result<void>()>;

    Bridge(QString socketPath, QString agent, OwnerStarter startOwner, QObject *parent = nullptr);

    // Connects (starting an owner if needed) and says hello. Blocks for at most ~30 s.
    Result<void> connectToOwner();

    // One line from the client (an MCP frame, without its '\n').
    void sendFromClient(const QByteArray &line);
    // The client closed its side: finished() is emitted once every request sent has been answered.
    void finishWhenAnswered();

Q_SIGNALS:
    // One line for the client (without '\n').
    void toClient(const QByteArray &line);
    // The owner cannot be reached any more; the bridge stops.
    void failed(const keyward::Error &error);
    // Every request has been answered after finishWhenAnswered().
    void finished();

private:
    Result<void> connectOnce();
    void onReadyRead();
    void onDisconnected();
    void track(const nlohmann::json &message, bool fromClient);
    void answerPendingWithError();
    void maybeFinish();

    QString m_socketPath;
    QString m_agent;
    OwnerStarter m_startOwner;
    QLocalSocket *m_socket = nullptr;
    QByteArray m_buffer;
    bool m_reconnecting = false;
    bool m_clientDone = false;
    bool m_finished = false;
    QList<QByteArray> m_waiting;
    // Requests relayed to the owner and not yet answered, by their id's JSON text.
    std::map<std::string, nlohmann::json> m_pending;
    // The client's initialize request, once the owner answered it successfully, and whether the
    // client then sent notifications/initialized: replayed after a reconnect.
    std::optional<nlohmann::json> m_initialize;
    std::optional<nlohmann::json> m_initializeInFlight;
    bool m_initialized = false;
    int m_replays = 0;
};

} // namespace keyward::daemon
