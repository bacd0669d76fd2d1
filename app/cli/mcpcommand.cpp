#include "cli/commands.h"
#include "cli/subcommand.h"
#include "corestack.h"
#include "processhardening.h"

#include "core/keywardhome.h"
#include "core/names.h"
#include "mcp/jsonrpc.h"
#include "mcp/keywardtools.h"
#include "mcp/mcpsession.h"
#include "transport/stdiotransport.h"

#include <QCoreApplication>

namespace keyward::cli {

int runMcp(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption agent(QStringLiteral("agent"),
                                   QStringLiteral("Agent name for policy and audit (default: the client's name)."),
                                   QStringLiteral("NAME"));
    parser.addOption(agent);
    Output out;
    if (const auto stop = parseSubcommand(parser, args, out, QStringLiteral("Serve MCP over stdio: one JSON-RPC message per line on stdin and stdout.")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return out.usageError(QStringLiteral("keyward mcp takes no arguments"));
    const QString agentName = parser.value(agent);
    if (parser.isSet(agent) && !isValidName(agentName))
        return out.usageError(QStringLiteral("--agent '%1' is not a valid name: use [a-z0-9][a-z0-9_-]{0,63}").arg(agentName));

    // This process holds secrets in memory until the owner process exists: keep them out of core
    // dumps and away from same-user debuggers.
    app::makeProcessNonDumpable();

    auto stack = app::CoreStack::create(KeywardHome::fromEnvironment());
    if (!stack)
        return out.error(stack.error().code, QStringLiteral("cannot serve MCP: ") + stack.error().message);
    mcp::KeywardTools tools((*stack)->executor());
    mcp::McpSession session(tools, agentName);
    transport::StdioTransport stdio;

    auto reply = [&stdio](const QByteArray &response) {
        if (!response.isEmpty())
            stdio.send(response);
    };
    QObject::connect(&stdio, &transport::StdioTransport::lineReceived, &session,
                     [&session, reply](const QByteArray &line) { session.receive(line, reply); });
    QObject::connect(&stdio, &transport::StdioTransport::lineTooLong, &session, [&stdio] {
        stdio.send(mcp::serialize(mcp::makeError(nullptr, mcp::rpc_error::kParseError,
                                                 "Parse error: message longer than the 4 MiB limit")));
    });
    QObject::connect(&stdio, &transport::StdioTransport::endOfInput, &session, [&session] {
        if (session.pendingReplies() == 0)
            QCoreApplication::quit();
        else
            QObject::connect(&session, &mcp::McpSession::idle, QCoreApplication::instance(), &QCoreApplication::quit);
    });
    stdio.start();
    return QCoreApplication::exec() == 0 ? ExitOk : ExitFailure;
}

} // namespace keyward::cli
