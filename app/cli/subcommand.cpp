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

int dispatchAction(const QStringList &args, const char *help, const QStringList &order,
                   const std::map<QString, Action> &actions)
{
    const Output out(args.contains(QStringLiteral("--json")));
    const QString command = args.value(0);
    const QString action = args.value(1);
    if (action == QLatin1String("--help") || action == QLatin1String("-h") || action == QLatin1String("help")) {
        std::fputs(help, stdout);
        return ExitOk;
    }
    QStringList choices = order;
    const QString last = choices.takeLast();
    const QString listed = choices.isEmpty() ? last : choices.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
    if (action.isEmpty() || action.startsWith(u'-'))
        return out.usageError(QStringLiteral("%1 needs an action: %2").arg(command, listed));
    const auto found = actions.find(action);
    if (found == actions.end())
        return out.usageError(QStringLiteral("unknown action of %1: use %2").arg(command, listed));
    QStringList rest = args.mid(2);
    rest.prepend(command + u' ' + action);
    return found->second(rest);
}

} // namespace keyward::cli
