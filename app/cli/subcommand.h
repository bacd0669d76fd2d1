#pragma once

#include "cli/output.h"

#include <QCommandLineParser>
#include <QStringList>

namespace keyward::cli {

// Parses one subcommand's arguments (`args[0]` is "keyward <name>") with the options every
// subcommand shares (--json, --help). Returns an exit code when the caller must stop now: after
// printing help (ExitOk) or a usage error (ExitUsage); std::nullopt to go on.
std::optional<int> parseSubcommand(QCommandLineParser &parser, const QStringList &args, Output &out,
                                   const QString &synopsis);

} // namespace keyward::cli
