#include "backgroundstart.h"
#include "cli/commands.h"
#include "cli/secretinput.h"
#include "cli/subcommand.h"
#include "logsetup.h"
#include "owner.h"
#include "processhardening.h"
#include "stopsignals.h"

#include "core/keywardhome.h"

#include <QCoreApplication>

#include <sys/resource.h>

namespace keyward::cli {

namespace {

// Each MCP connection and each HTTP client holds a descriptor: allow as many as the hard limit.
void raiseDescriptorLimit()
{
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int runServe(const QStringList &args)
{
    QCommandLineParser parser;
    const QCommandLineOption http(QStringLiteral("http"),
                                  QStringLiteral("Serve MCP over Streamable HTTP on 127.0.0.1 and ::1 at PORT (0: any free "
                                                 "port). Default: settings.http in config.json."),
                                  QStringLiteral("PORT"));
    const QCommandLineOption background(QStringLiteral("background"),
                                        QStringLiteral("Detach once ready (as `keyward mcp` starts it)."));
    parser.addOption(http);
    parser.addOption(background);
    Output out;
    if (const auto stop = parseSubcommand(parser, args, out,
                                          QStringLiteral("Run the headless owner: the one process per home that holds the "
                                                         "secrets, runs the gate, calls the APIs and writes the audit log. "
                                                         "Prints one ready line on stdout when it serves.")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return out.usageError(QStringLiteral("keyward serve takes no arguments"));
    app::Owner::Options options;
    if (parser.isSet(http)) {
        bool ok = false;
        const uint port = parser.value(http).toUInt(&ok);
        if (!ok || port > 65535)
            return out.usageError(QStringLiteral("--http takes a port number from 0 to 65535 (0: any free port)"));
        options.httpPort = quint16(port);
    }

    if (parser.isSet(background)) {
        if (const auto parentExit = app::detachIntoBackground())
            return *parentExit;
    }
    app::makeProcessNonDumpable();
    raiseDescriptorLimit();

    const KeywardHome home = KeywardHome::fromEnvironment();
    auto owner = app::Owner::start(home, options);
    if (!owner) {
        const QString message = QStringLiteral("cannot start the owner: ") + owner.error().message;
        if (parser.isSet(background)) {
            // The waiting parent prints it (as the --json error object) and exits 1.
            app::reportFailure(QByteArray::fromStdString(
                nlohmann::json{{"error", {{"code", owner.error().code.toStdString()}, {"message", message.toStdString()}}}}.dump()));
            return ExitFailure;
        }
        return out.error(owner.error().code, message);
    }
    std::unique_ptr<app::Owner> running = std::move(owner).value();
    // The encrypted file store without KEYWARD_PASSPHRASE_FILE: ask on the terminal when there is
    // one; otherwise calls fail with "store locked: run keyward unlock" until someone does.
    if (FileStore *store = running->core().fileStore(); store && !store->isUnlocked() && !parser.isSet(background)) {
        if (stdinIsTerminal()) {
            auto passphrase = readPassphrase(QStringLiteral("Passphrase of the encrypted file store %1 (input hidden): ")
                                                 .arg(store->path()));
            if (!passphrase)
                return out.error(passphrase.error().code, passphrase.error().message);
            QByteArray bytes = std::move(passphrase).value();
            const auto unlocked = running->core().unlockFileStore(bytes);
            bytes.fill('\0');
            if (!unlocked)
                return out.error(unlocked.error().code, unlocked.error().message);
        } else {
            out.message(QStringLiteral("keyward: the encrypted file store is locked: calls fail until you run `keyward "
                                       "unlock` (or start keyward serve with KEYWARD_PASSPHRASE_FILE)"));
        }
    }
    // The owner is the one writer of keyward.log (DESIGN.md "Processes").
    if (const auto logging = app::addLogFile(home.logFile()); !logging)
        out.message(QStringLiteral("keyward: warning: %1").arg(logging.error().message));

    app::StopSignals stopSignals;
    QObject::connect(&stopSignals, &app::StopSignals::received, QCoreApplication::instance(), &QCoreApplication::quit);
    QObject::connect(running.get(), &app::Owner::stopRequested, QCoreApplication::instance(), &QCoreApplication::quit);
    app::reportReady(running->readyLine());
    const int code = QCoreApplication::exec();
    running.reset();
    return code == 0 ? ExitOk : ExitFailure;
}

} // namespace keyward::cli
