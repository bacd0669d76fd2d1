#include "cli/commands.h"
#include "cli/output.h"
#include "logsetup.h"
#include "trayapp.h"

#include "core/version.h"

#include <QApplication>
#include <QCoreApplication>
#include <QGuiApplication>

#include <cstdio>
#include <functional>
#include <map>

namespace {

using keyward::cli::ExitOk;
using keyward::cli::ExitUsage;

struct Subcommand {
    const char *synopsis;
    std::function<int(const QStringList &)> run;
};

const std::map<QString, Subcommand> &subcommands()
{
    static const std::map<QString, Subcommand> table = {
        {QStringLiteral("agent"), {"add, list or remove the agents that call over HTTP, each with its own token",
                                   keyward::cli::runAgent}},
        {QStringLiteral("autostart"), {"start the tray app at login, or stop it (on, off, status)",
                                       keyward::cli::runAutostart}},
        {QStringLiteral("clients"), {"list, scan, configure, migrate or undo the MCP clients' configs (Claude Desktop, Cursor, VS Code, ...)",
                                     keyward::cli::runClients}},
        {QStringLiteral("alerts"), {"list the anomaly alerts (unusual agent behaviour), or mark them seen",
                                    keyward::cli::runAlerts}},
        {QStringLiteral("doctor"), {"check the keychain, D-Bus, KEYWARD_HOME and the config, with a fix for each problem",
                                    keyward::cli::runDoctor}},
        {QStringLiteral("kill"), {"stop every call at once, or one service's or agent's (--service S | --agent A)",
                                  keyward::cli::runKill}},
        {QStringLiteral("log"), {"show, verify or purge the tamper-evident audit log", keyward::cli::runLog}},
        {QStringLiteral("mcp"), {"serve MCP over stdio (what MCP clients launch)", keyward::cli::runMcp}},
        {QStringLiteral("policy"), {"set or show a service's policy, or one agent's override of it",
                                    keyward::cli::runPolicy}},
        {QStringLiteral("reset"), {"remove every secret, the config and the audit of this home (asks first; --yes)",
                                   keyward::cli::runReset}},
        {QStringLiteral("resume"), {"lift the global kill switch, or one service's or agent's, or --all",
                                    keyward::cli::runResume}},
        {QStringLiteral("run"), {"start a command recorded by `clients migrate` with its secrets in its environment",
                                 keyward::cli::runRun}},
        {QStringLiteral("serve"), {"run the headless owner process (what `keyward mcp` starts in the background)",
                                   keyward::cli::runServe}},
        {QStringLiteral("service"), {"add (from scratch or a template), list, show, remove, rotate, enable, disable or test the APIs agents may call",
                                     keyward::cli::runService}},
        {QStringLiteral("unlock"), {"give the running owner the passphrase of the encrypted file store",
                                    keyward::cli::runUnlock}},
    };
    return table;
}

void printHelp()
{
    QString text = QStringLiteral("Usage: keyward [--help] [--version] <command> [options]\n\n"
                                  "Keyward keeps API keys away from AI agents: agents call APIs through it over MCP,\n"
                                  "and the keys stay in the OS keychain.\n\nCommands:\n");
    for (const auto &[name, command] : subcommands())
        text += QStringLiteral("  %1  %2\n").arg(name, -9).arg(QString::fromUtf8(command.synopsis));
    // installers/run.sh looks for this line to start the tray where a display exists.
    text += QStringLiteral("  (no command)  the tray app: the owner of this home, with the kill switch in the tray\n");
    text += QStringLiteral("  --show services|audit|alerts|clients|settings  open that window in the running tray app\n");
    text += QStringLiteral("\nEvery command takes --help and --json. Exit codes: 0 ok, 1 failure, 2 usage error.\n");
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
}

int dispatch(const QStringList &args)
{
    if (args.size() < 2)
        return keyward::app::runTray({});
    const QString first = args.at(1);
    if (first == QLatin1String("--help") || first == QLatin1String("-h") || first == QLatin1String("help")) {
        printHelp();
        return ExitOk;
    }
    if (first == QLatin1String("--version") || first == QLatin1String("-v")) {
        std::printf("keyward %s\n", keyward::kVersion);
        return ExitOk;
    }
    if (first == QLatin1String("--show") || first.startsWith(QLatin1String("--show=")))
        return keyward::app::runShowWindow(args.mid(1));
    const auto found = subcommands().find(first);
    if (found == subcommands().end()) {
        const bool json = args.contains(QStringLiteral("--json"));
        const keyward::cli::Output jsonAware(json);
        return jsonAware.usageError(first.startsWith(u'-') ? QStringLiteral("unknown option '%1'").arg(first)
                                                           : QStringLiteral("unknown command '%1'").arg(first));
    }
    QStringList rest = args.mid(2);
    rest.prepend(QStringLiteral("keyward ") + first);
    return found->second.run(rest);
}


// Whether a windowing system is there for the tray app (a display, or a platform named by hand).
bool displayAvailable()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY") ||
           qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

} // namespace

int main(int argc, char *argv[])
{
    // With no command, keyward is the tray app (a QApplication); commands need no display.
    if (argc < 2) {
        if (!displayAvailable()) {
            const keyward::cli::Output out;
            return out.error(QStringLiteral("no_display"),
                             QStringLiteral("the tray app needs a display (neither DISPLAY nor WAYLAND_DISPLAY is "
                                            "set); run `keyward serve` for the headless owner, or `keyward --help` "
                                            "for the commands"));
        }
        QApplication app(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("keyward"));
        // Ties the tray app's windows to io.github.keyward.Keyward.desktop (icon and name on Wayland).
        QGuiApplication::setDesktopFileName(QString::fromLatin1(keyward::kAppId));
        QCoreApplication::setApplicationVersion(QString::fromLatin1(keyward::kVersion));
        keyward::app::setUpLogging();
        return dispatch(app.arguments());
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("keyward"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(keyward::kVersion));
    keyward::app::setUpLogging();
    return dispatch(app.arguments());
}
