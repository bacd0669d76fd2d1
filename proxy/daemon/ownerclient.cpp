#include "daemon/ownerclient.h"

#include "daemon/ownerprotocol.h"

#include <QElapsedTimer>
#include <QLocalSocket>

namespace keyward::daemon {

Result<nlohmann::json> askOwner(const KeywardHome &home, const std::string &op, int timeoutMs, const nlohmann::json &fields)
{
    const QString path = ownerSocketPath(home);
    QLocalSocket socket;
    QElapsedTimer waited;
    waited.start();
    socket.connectToServer(path);
    if (!socket.waitForConnected(timeoutMs)) {
        return Error{QString::fromLatin1(owner_errors::kNotRunning),
                     QStringLiteral("no Keyward owner answers on %1 (%2)").arg(path, socket.errorString())};
    }
    nlohmann::json hello = fields;
    hello["kind"] = "admin";
    hello["op"] = op;
    socket.write(helloLine(hello));
    QByteArray received;
    qsizetype end = -1;
    while ((end = received.indexOf('\n')) < 0) {
        const int left = timeoutMs - int(waited.elapsed());
        if (left <= 0 || (!socket.waitForReadyRead(left) && socket.bytesAvailable() == 0)) {
            return Error{QString::fromLatin1(owner_errors::kNotRunning),
                         QStringLiteral("the Keyward owner on %1 did not answer within %2 ms").arg(path).arg(timeoutMs)};
        }
        received.append(socket.readAll());
        if (received.size() > kMaxLineBytes)
            return Error{QString::fromLatin1(owner_errors::kBadHello), QStringLiteral("the owner's answer is too long")};
    }
    auto answer = parseAnswer(received.left(end));
    if (!answer)
        return answer.error();
    if (!answer->value("ok", false)) {
        const nlohmann::json error = answer->value("error", nlohmann::json::object());
        return Error{QString::fromStdString(error.value("code", std::string("owner_error"))),
                     QString::fromStdString(error.value("message", std::string("the owner refused the request")))};
    }
    return answer;
}

} // namespace keyward::daemon
