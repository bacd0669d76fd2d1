#include "transport/mcpsessiontable.h"

#include "core/logging.h"

#include <QRandomGenerator>

#include <algorithm>

namespace keyward::transport {

namespace {

const auto &log()
{
    static const auto logger = keyward::logger("core.http");
    return logger;
}

QByteArray newSessionId()
{
    quint32 words[6];
    QRandomGenerator::system()->fillRange(words);
    return QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex();
}

} // namespace

McpSessionTable::McpSessionTable(mcp::ToolProvider &tools, const HttpLimits &limits, QObject *parent)
    : QObject(parent), m_tools(tools), m_limits(limits)
{
    using namespace std::chrono_literals;
    m_expiry.setInterval(std::clamp<std::chrono::milliseconds>(m_limits.sessionIdleTimeout / 4, 10ms, 60s));
    connect(&m_expiry, &QTimer::timeout, this, &McpSessionTable::expireIdle);
    m_expiry.start();
}

McpSessionTable::~McpSessionTable()
{
    while (!m_sessions.isEmpty())
        retire(m_sessions.begin(), QStringLiteral("server shutting down"));
}

Result<McpSessionTable::Created> McpSessionTable::create(const QString &agent)
{
    if (m_sessions.size() >= m_limits.maxSessions) {
        auto oldest = m_sessions.end();
        for (auto it = m_sessions.begin(); it != m_sessions.end(); ++it) {
            if (it->session->pendingReplies() > 0)
                continue;
            if (oldest == m_sessions.end() || it->useOrder < oldest->useOrder)
                oldest = it;
        }
        if (oldest == m_sessions.end())
            return Error{QStringLiteral("too_many_sessions"),
                         QStringLiteral("Too many MCP sessions are busy; try again when a call has finished.")};
        log()->info("{} MCP sessions open: ending the least recently used one", m_sessions.size());
        retire(oldest, QStringLiteral("session ended to make room"));
    }

    QByteArray id = newSessionId();
    while (m_sessions.contains(id))
        id = newSessionId();
    Entry entry;
    entry.agent = agent;
    entry.session = new mcp::McpSession(m_tools, agent, this);
    entry.lastUsed.start();
    entry.useOrder = ++m_uses;
    mcp::McpSession *session = entry.session;
    m_sessions.insert(id, std::move(entry));
    return Created{id, session};
}

mcp::McpSession *McpSessionTable::find(QByteArrayView id, const QString &agent)
{
    const auto it = m_sessions.find(id.toByteArray());
    if (it == m_sessions.end() || it->agent != agent)
        return nullptr;
    it->lastUsed.restart();
    it->useOrder = ++m_uses;
    return it->session;
}

void McpSessionTable::track(QByteArrayView id, const std::shared_ptr<Cancellation> &cancellation)
{
    const auto it = m_sessions.find(id.toByteArray());
    if (it == m_sessions.end())
        return;
    auto &calls = it->calls;
    calls.erase(std::remove_if(calls.begin(), calls.end(),
                               [](const std::weak_ptr<Cancellation> &call) {
                                   const auto live = call.lock();
                                   return !live || live->isCancelled();
                               }),
                calls.end());
    calls.push_back(cancellation);
}

bool McpSessionTable::end(QByteArrayView id, const QString &agent)
{
    const auto it = m_sessions.find(id.toByteArray());
    if (it == m_sessions.end() || it->agent != agent)
        return false;
    retire(it, QStringLiteral("session ended"));
    return true;
}

void McpSessionTable::expireIdle()
{
    const qint64 limit = m_limits.sessionIdleTimeout.count();
    QList<QByteArray> expired;
    for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
        if (it->session->pendingReplies() == 0 && it->lastUsed.elapsed() > limit)
            expired.append(it.key());
    }
    for (const QByteArray &id : std::as_const(expired)) {
        log()->debug("an MCP session of agent {} expired", m_sessions.value(id).agent.toStdString());
        retire(m_sessions.find(id), QStringLiteral("session expired"));
    }
}

void McpSessionTable::retire(QHash<QByteArray, Entry>::iterator it, const QString &reason)
{
    mcp::McpSession *session = it->session;
    const auto calls = std::move(it->calls);
    m_sessions.erase(it);
    for (const auto &call : calls) {
        if (const auto live = call.lock())
            live->cancel(reason);
    }
    // Tool calls still running hold the session: it goes once they have answered.
    if (session->pendingReplies() == 0) {
        session->deleteLater();
    } else {
        session->setParent(nullptr);
        connect(session, &mcp::McpSession::idle, session, &QObject::deleteLater);
    }
}

} // namespace keyward::transport
