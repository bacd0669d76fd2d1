// `keyward autostart on|off|status`: start the tray app at login, through the OS's per-user
// autostart entry (platform/autostart.h), the same switch as the tray's Settings window. The entry
// starts this very binary, so `on` run from an installed keyward starts the installed one.

#include "cli/commands.h"
#include "cli/subcommand.h"

#include "platform/autostart.h"

#include <QCoreApplication>

namespace keyward::cli {

namespace {

Autostart thisBinary() { return Autostart(QCoreApplication::applicationFilePath()); }

int runSwitch(const QStringList &args, bool enable)
{
    QCommandLineParser parser;
    Output out;
    if (const auto stop = parseSubcommand(parser, args, out,
                                          enable ? QStringLiteral("Start the Keyward tray app (this binary) at login.")
                                                 : QStringLiteral("Stop starting the Keyward tray app at login.")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return out.usageError(QStringLiteral("%1 takes no arguments").arg(args.value(0)));

    const Autostart autostart = thisBinary();
    if (const auto written = autostart.setEnabled(enable); !written)
        return out.error(written.error().code, written.error().message);
    if (out.json()) {
        out.object({{"enabled", enable}, {"location", autostart.location().toStdString()}});
    } else if (enable) {
        out.message(QStringLiteral("Keyward starts at login (%1 runs %2).")
                        .arg(autostart.location(), autostart.executable()));
    } else {
        out.message(QStringLiteral("Keyward no longer starts at login."));
    }
    return ExitOk;
}

int runOn(const QStringList &args) { return runSwitch(args, true); }
int runOff(const QStringList &args) { return runSwitch(args, false); }

int runStatus(const QStringList &args)
{
    QCommandLineParser parser;
    Output out;
    if (const auto stop =
            parseSubcommand(parser, args, out, QStringLiteral("Show whether the Keyward tray app starts at login.")))
        return *stop;
    if (!parser.positionalArguments().isEmpty())
        return out.usageError(QStringLiteral("%1 takes no arguments").arg(args.value(0)));

    const Autostart autostart = thisBinary();
    const auto enabled = autostart.isEnabled();
    if (!enabled)
        return out.error(enabled.error().code, enabled.error().message);
    if (out.json())
        out.object({{"enabled", enabled.value()}, {"location", autostart.location().toStdString()}});
    else
        out.line(QStringLiteral("%1 (%2)").arg(enabled.value() ? QStringLiteral("on") : QStringLiteral("off"),
                                               autostart.location()));
    return ExitOk;
}

const char *const kActionsHelp =
    "Usage: keyward autostart <action> [options]\n\n"
    "Actions:\n"
    "  on       start the tray app (this keyward binary) when you log in\n"
    "  off      stop starting it at login\n"
    "  status   print on or off and where the entry lives\n\n"
    "The entry: Linux $XDG_CONFIG_HOME/autostart/io.github.keyward.Keyward.desktop, macOS\n"
    "~/Library/LaunchAgents/io.github.keyward.Keyward.plist, Windows the HKCU ...\\CurrentVersion\\Run key.\n"
    "Each action takes --help and --json. Exit codes: 0 ok, 1 failure, 2 usage error.\n";

} // namespace

int runAutostart(const QStringList &args)
{
    static const std::map<QString, Action> actions = {
        {QStringLiteral("on"), runOn},
        {QStringLiteral("off"), runOff},
        {QStringLiteral("status"), runStatus},
    };
    return dispatchAction(args, kActionsHelp, {QStringLiteral("on"), QStringLiteral("off"), QStringLiteral("status")},
                          actions);
}

} // namespace keyward::cli
