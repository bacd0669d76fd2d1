#pragma once

#include "core/cancellation.h"
#include "core/result.h"
#include "mcp/mcpsession.h"
#include "mcp/toolprovider.h"
#include "transport/httplimits.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <vector>

namespace keyward::transport {

// The MCP sessions of the HTTP transport, each bound to the agent whose token created it. A session
// used with another agent's token looks exactly like an unknown one. Idle sessions expire after
// HttpLimits::sessionIdleTimeout; their number is capped at maxSessions.
class McpSessionTable : public QObject {
    Q_OBJECT
public:
    McpSessionTable(mcp::ToolProvider &tools, const HttpLimits &limits, QObject *parent = nullptr);
    ~McpSessionTable() override;

    struct Created {
        QByteArray id; // visible ASCII, 192 random bits
        mcp::McpSession *session;
    };
    // A new session for `agent`. At the cap the least recently used session with no call in
    // progress ends first; Error "too_many_sessions" when every session is busy.
    Result<Created> create(const QString &agent);

    // The live session `id` of `agent`, marked as used; nullptr when unknown, ended, expired or
    // another agent's.
    mcp::McpSession *find(QByteArrayView id, const QString &agent);

    // Ties a request's cancellation to session `id`: ending the session cancels it.
    void track(QByteArrayView id, const std::shared_ptr<Cancellation> &cancellation);

    // Ends session `id` of `agent`: calls in progress are cancelled ("session ended") and the
    // session is deleted once they have answered. False when find() would give nullptr.
    bool end(QByteArrayView id, const QString &agent);

    int count() const { return int(m_sessions.size()); }

    // Ends the sessions idle for longer than the limit (also run by a timer).
    void expireIdle();

private:
    struct Entry {
        QString agent;
        mcp::McpSession *session = nullptr;
        QElapsedTimer lastUsed;
        quint64 useOrder = 0; // larger = used more recently
        std::vector<std::weak_ptr<Cancellation>> calls;
    };
    void retire(QHash<QByteArray, Entry>::iterator it, const QString &reason);

    mcp::ToolProvider &m_tools;
    const HttpLimits m_limits;
    QHash<QByteArray, Entry> m_sessions;
    quint64 m_uses = 0;
    QTimer m_expiry;
};

} // namespace keyward::transport
