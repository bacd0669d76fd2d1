#include "cli/commands.h"
#include "cli/subcommand.h"
#include "ownerstarter.h"

#include "core/keywardhome.h"
#include "core/logging.h"
#include "core/names.h"
#include "daemon/bridge.h"
#include "daemon/ownerprotocol.h"
#include "mcp/jsonrpc.h"
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
    if (const auto stop = parseSubcommand(parser, args, out,
                                          QStringLiteral("Serve MCP over stdio: one JSON-RPC message per line on stdin and "
                                                         "stdout, relayed to the Keyward owner (started in the background "
                                                         "when none runs).")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return out.usageError(QStringLiteral("keyward mcp takes no arguments"));
    const QString agentName = parser.value(agent);
    if (parser.isSet(agent) && !isValidName(agentName))
        return out.usageError(QStringLiteral("--agent '%1' is not a valid name: use [a-z0-9][a-z0-9_-]{0,63}").arg(agentName));

    // The bridge holds no secret: the owner process does (DESIGN.md "Processes").
    const KeywardHome home = KeywardHome::fromEnvironment();
    daemon::Bridge bridge(daemon::ownerSocketPath(home), agentName, app::startBackgroundOwner);
    if (const auto connected = bridge.connectToOwner(); !connected)
        return out.error(connected.error().code, QStringLiteral("cannot serve MCP: ") + connected.error().message);

    transport::StdioTransport stdio;
    int exitCode = ExitOk;
    QObject::connect(&bridge, &daemon::Bridge::toClient, &stdio, [&stdio](const QByteArray &line) { stdio.send(line); });
    QObject::connect(&bridge, &daemon::Bridge::failed, &stdio, [&exitCode](const Error &error) {
        keyward::logger("bridge")->error("lost the Keyward owner and cannot reach a new one: {}", error.message.toStdString());
        exitCode = ExitFailure;
        QCoreApplication::quit();
    });
    QObject::connect(&bridge, &daemon::Bridge::finished, QCoreApplication::instance(), &QCoreApplication::quit,
                     Qt::QueuedConnection);
    QObject::connect(&stdio, &transport::StdioTransport::lineReceived, &bridge, &daemon::Bridge::sendFromClient);
    QObject::connect(&stdio, &transport::StdioTransport::lineTooLong, &bridge, [&stdio] {
        stdio.send(mcp::serialize(mcp::makeError(nullptr, mcp::rpc_error::kParseError,
                                                 "Parse error: message longer than the 4 MiB limit")));
    });
    QObject::connect(&stdio, &transport::StdioTransport::endOfInput, &bridge, &daemon::Bridge::finishWhenAnswered);
    stdio.start();
    const int code = QCoreApplication::exec();
    return code != 0 ? ExitFailure : exitCode;
}

} // namespace keyward::cli
