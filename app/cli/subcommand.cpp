#include "cli/subcommand.h"

#include <cstdio>

namespace keyward::cli {

std::optional<int> parseSubcommand(QCommandLineParser &parser, const QStringList &args, Output &out,
                                   const QString &synopsis)
{
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Machine-readable output (JSON)."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
    parser.setApplicationDescription(synopsis);
    parser.addOption(json);
    parser.addOption(help);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);

    const bool parsed = parser.parse(args);
    out.setJson(parser.isSet(json));
    if (!parsed)
        return out.usageError(parser.errorText());
    if (parser.isSet(help)) {
        // QCommandLineParser names the binary as invoked; name the subcommand instead.
        QString text = parser.helpText();
        const qsizetype lineEnd = text.indexOf(u'\n');
        text.replace(0, lineEnd, QStringLiteral("Usage: ") + args.value(0) + QStringLiteral(" [options]"));
        const QByteArray bytes = text.toUtf8();
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
        return ExitOk;
    }
    return std::nullopt;
}

} // namespace keyward::cli
