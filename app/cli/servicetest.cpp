#include "cli/commands.h"
#include "cli/subcommand.h"
#include "corestack.h"

#include "admin/servicetest.h"
#include "core/names.h"

#include <QCoreApplication>

namespace keyward::cli {

int runServiceTest(const QStringList &args)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The service to test."));
    Output out;
    if (const auto stop = parseSubcommand(parser, args, out,
                                          QStringLiteral("Make one real call through the full gate: GET the service's test "
                                                         "path, or HEAD on its base URL without one.")))
        return *stop;
    if (parser.positionalArguments().size() != 1)
        return out.usageError(QStringLiteral("keyward service test takes exactly one service name"));
    const QString name = parser.positionalArguments().constFirst();
    if (!isValidName(name))
        return out.usageError(QStringLiteral("'%1' is not a valid service name").arg(name.left(64)));

    auto stack = app::CoreStack::create(KeywardHome::fromEnvironment());
    if (!stack)
        return out.error(stack.error().code, stack.error().message);
    const auto &services = (*stack)->config().config().services;
    const auto found = services.find(name);
    if (found == services.end())
        return out.error(QStringLiteral("not_found"), QStringLiteral("there is no service `%1`; see `keyward service list`").arg(name));

    int exitCode = ExitFailure;
    bool finished = false;
    admin::testService((*stack)->executor(), name, found->second, Caller{QStringLiteral("cli"), QStringLiteral("keyward-cli")},
                       [&](Result<admin::ServiceTestOutcome> outcome) {
        if (!outcome) {
            exitCode = out.error(outcome.error().code, QStringLiteral("the test call failed: ") + outcome.error().message);
        } else {
            const int status = outcome->status;
            if (out.json())
                out.object({{"service", name.toStdString()}, {"status", status}, {"ok", status < 400}});
            else
                out.line(QStringLiteral("%1: %2 %3 answered HTTP %4").arg(name, outcome->method, outcome->path).arg(status));
            exitCode = status < 400 ? ExitOk : ExitFailure;
            if (status >= 400 && !out.json())
                out.message(QStringLiteral("keyward: the upstream answered with an error status; check the secret (`keyward service rotate %1`) and the test path").arg(name));
        }
        finished = true;
        QCoreApplication::quit();
    });
    if (!finished) // the executor may answer at once (a refusal), before any event loop runs
        QCoreApplication::exec();
    return exitCode;
}

} // namespace keyward::cli
