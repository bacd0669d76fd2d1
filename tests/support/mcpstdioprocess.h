#pragma once

#include "support/temphome.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QString>
#include <QStringList>

namespace keyward::test {

// A `keyward mcp` process driven line by line, for tests that need to act between messages
// (kill the owner, change the config) while one session stays open.
class McpStdioProcess {
public:
    McpStdioProcess();
    ~McpStdioProcess();

    // Starts `keyward mcp extraArgs...` in the environment of environmentFor(home).
    bool start(const TempHome &home, const QStringList &extraArgs = {});
    // initialize (2025-06-18, clientInfo.name `clientName`) + notifications/initialized; true on success.
    bool initialize(const QString &clientName = QStringLiteral("owner-test"));
    // Sends one request and waits (at most `timeoutMs`) for the response with its id; a null json
    // on timeout. The response is the whole JSON-RPC message (result or error).
    nlohmann::json request(const std::string &method, const nlohmann::json &params, int timeoutMs = 20000);
    // The two halves of request(): send now and return the id, wait for that id's response later.
    // Lines that answer other ids while waiting are dropped: keep one request outstanding.
    int sendRequest(const std::string &method, const nlohmann::json &params);
    nlohmann::json waitForResponse(int id, int timeoutMs = 20000);
    // A tools/call of `name` with `arguments`: the response message.
    nlohmann::json callTool(const std::string &name, const nlohmann::json &arguments, int timeoutMs = 20000);
    // Closes stdin and waits for the exit; returns the exit code (-1 when it did not exit).
    int finish(int timeoutMs = 20000);

    QByteArray stderrText();
    QProcess &process() { return m_process; }

private:
    QProcess m_process;
    QByteArray m_buffer;
    int m_nextId = 1;
};

} // namespace keyward::test
