#include "daemon/ownerprotocol.h"

#include <QDir>

namespace keyward::daemon {

namespace {

QByteArray line(nlohmann::json fields)
{
    fields["protocol"] = kProtocolName;
    fields["version"] = kProtocolVersion;
    QByteArray bytes = QByteArray::fromStdString(fields.dump());
    bytes.append('\n');
    return bytes;
}

Result<nlohmann::json> parseLine(const QByteArray &line, const char *what)
{
    nlohmann::json value = nlohmann::json::parse(line.constData(), line.constData() + line.size(), nullptr, false);
    if (value.is_discarded() || !value.is_object() || value.value("protocol", std::string()) != kProtocolName) {
        return Error{QString::fromLatin1(owner_errors::kBadHello),
                     QStringLiteral("the %1 is not a keyward-owner protocol message").arg(QString::fromLatin1(what))};
    }
    const auto version = value.find("version");
    if (version == value.end() || !version->is_number_integer() || version->get<int>() != kProtocolVersion) {
        const QString seen = version == value.end() ? QStringLiteral("none") : QString::fromStdString(version->dump());
        return Error{QString::fromLatin1(owner_errors::kProtocol),
                     QStringLiteral("the other side speaks keyward-owner protocol version %1, this side %2: the owner "
                                    "and this command come from different Keyward versions; stop the running owner "
                                    "(keyward serve, or quit the tray app) and try again")
                         .arg(seen)
                         .arg(kProtocolVersion)};
    }
    return value;
}

} // namespace

QString ownerSocketPath(const KeywardHome &home)
{
    return QDir(home.runDir()).filePath(QStringLiteral("owner.sock"));
}

QByteArray helloLine(const nlohmann::json &fields) { return line(fields); }

QByteArray answerLine(const nlohmann::json &fields) { return line(fields); }

QByteArray errorAnswerLine(const QString &code, const QString &message)
{
    return line({{"ok", false}, {"error", {{"code", code.toStdString()}, {"message", message.toStdString()}}}});
}

Result<nlohmann::json> parseHello(const QByteArray &line) { return parseLine(line, "hello"); }

Result<nlohmann::json> parseAnswer(const QByteArray &line) { return parseLine(line, "owner's answer"); }

} // namespace keyward::daemon
