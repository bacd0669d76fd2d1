#pragma once

#include "cli/output.h"

#include <QCommandLineParser>
#include <QStringList>

#include <functional>
#include <map>
#include <optional>

namespace keyward::cli {

// Parses one subcommand's arguments (`args[0]` is "keyward <name>") with the options every
// subcommand shares (--json, --help). Returns an exit code when the caller must stop now: after
// printing help (ExitOk) or a usage error (ExitUsage); std::nullopt to go on.
std::optional<int> parseSubcommand(QCommandLineParser &parser, const QStringList &args, Output &out,
                                   const QString &synopsis);

// A command made of actions (`keyward service add ...`): args[0] = "keyward <command>", args[1] the
// action. Prints `help` for --help, refuses a missing or unknown action with a usage error listing
// `actions` in `order` (the unknown word is never echoed: it could be a secret typed in the wrong
// place), and runs the action with args[0] = "keyward <command> <action>".
using Action = std::function<int(const QStringList &)>;
int dispatchAction(const QStringList &args, const char *help, const QStringList &order,
                   const std::map<QString, Action> &actions);

} // namespace keyward::cli
