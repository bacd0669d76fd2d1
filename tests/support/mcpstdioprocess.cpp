#include "support/mcpstdioprocess.h"

#include "support/e2eprocess.h"

#include <QDeadlineTimer>

namespace keyward::test {

McpStdioProcess::McpStdioProcess() = default;

McpStdioProcess::~McpStdioProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool McpStdioProcess::start(const TempHome &home, const QStringList &extraArgs)
{
    m_process.setProcessEnvironment(environmentFor(home));
    m_process.start(QStringLiteral(KEYWARD_BINARY), QStringList{QStringLiteral("mcp")} + extraArgs);
    return m_process.waitForStarted(10000);
}

bool McpStdioProcess::initialize(const QString &clientName)
{
    const nlohmann::json response = request("initialize", {{"protocolVersion", "2025-06-18"},
                                                           {"capabilities", nlohmann::json::object()},
                                                           {"clientInfo", {{"name", clientName.toStdString()}, {"version", "1"}}}});
    if (!response.is_object() || !response.contains("result"))
        return false;
    m_process.write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
    return true;
}

nlohmann::json McpStdioProcess::request(const std::string &method, const nlohmann::json &params, int timeoutMs)
{
    return waitForResponse(sendRequest(method, params), timeoutMs);
}

int McpStdioProcess::sendRequest(const std::string &method, const nlohmann::json &params)
{
    const int id = m_nextId++;
    const nlohmann::json message{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
    m_process.write(QByteArray::fromStdString(message.dump()) + '\n');
    return id;
}

nlohmann::json McpStdioProcess::waitForResponse(int id, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        qsizetype end;
        while ((end = m_buffer.indexOf('\n')) >= 0) {
            const QByteArray line = m_buffer.left(end);
            m_buffer.remove(0, end + 1);
            nlohmann::json parsed = nlohmann::json::parse(line.toStdString(), nullptr, false);
            if (parsed.is_object() && parsed.value("id", nlohmann::json()) == id)
                return parsed;
        }
        if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning)
            return nlohmann::json();
        m_process.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
        m_buffer.append(m_process.readAllStandardOutput());
    }
}

nlohmann::json McpStdioProcess::callTool(const std::string &name, const nlohmann::json &arguments, int timeoutMs)
{
    return request("tools/call", {{"name", name}, {"arguments", arguments}}, timeoutMs);
}

int McpStdioProcess::finish(int timeoutMs)
{
    m_process.closeWriteChannel();
    if (!m_process.waitForFinished(timeoutMs))
        return -1;
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

QByteArray McpStdioProcess::stderrText()
{
    return m_process.readAllStandardError();
}

} // namespace keyward::test
