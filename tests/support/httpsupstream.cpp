#include "support/httpsupstream.h"

#include <QDir>
#include <QFile>

namespace keyward::test {

HttpsUpstream::~HttpsUpstream()
{
    if (m_node.state() != QProcess::NotRunning) {
        m_node.closeWriteChannel();
        if (!m_node.waitForFinished(3000)) {
            m_node.kill();
            m_node.waitForFinished(3000);
        }
    }
}

bool HttpsUpstream::start()
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("no temporary directory");
        return false;
    }
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                   QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), m_dir.filePath(QStringLiteral("key.pem")), QStringLiteral("-out"),
                   m_dir.filePath(QStringLiteral("cert.pem")), QStringLiteral("-days"), QStringLiteral("2"),
                   QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=IP:127.0.0.1")});
    if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
        m_error = QStringLiteral("openssl failed: ") + QString::fromUtf8(openssl.readAllStandardError());
        return false;
    }
    const QString e2eDir = QStringLiteral(KEYWARD_E2E_DIR);
    m_node.setWorkingDirectory(e2eDir);
    m_node.setProcessChannelMode(QProcess::SeparateChannels);
    m_node.start(QStringLiteral("node"), {QDir(e2eDir).filePath(QStringLiteral("https_upstream.mjs")), caFile(),
                                          m_dir.filePath(QStringLiteral("key.pem")),
                                          m_dir.filePath(QStringLiteral("requests.jsonl"))});
    if (!m_node.waitForStarted(30000)) {
        m_error = QStringLiteral("node did not start: ") + m_node.errorString();
        return false;
    }
    while (!m_node.canReadLine()) {
        if (!m_node.waitForReadyRead(30000)) {
            m_error = QStringLiteral("the upstream did not report its port: ") + QString::fromUtf8(m_node.readAllStandardError());
            return false;
        }
    }
    const auto ready = nlohmann::json::parse(m_node.readLine().toStdString(), nullptr, false);
    if (!ready.is_object() || !ready.contains("port")) {
        m_error = QStringLiteral("unexpected first line from the upstream");
        return false;
    }
    m_port = ready["port"].get<int>();
    return true;
}

QString HttpsUpstream::baseUrl(const QString &prefix) const
{
    return QStringLiteral("https://127.0.0.1:%1%2").arg(m_port).arg(prefix);
}

QString HttpsUpstream::caFile() const { return m_dir.filePath(QStringLiteral("cert.pem")); }

std::vector<nlohmann::json> HttpsUpstream::received() const
{
    std::vector<nlohmann::json> requests;
    QFile log(m_dir.filePath(QStringLiteral("requests.jsonl")));
    if (!log.open(QIODevice::ReadOnly))
        return requests;
    for (const QByteArray &line : log.readAll().split('\n')) {
        if (!line.trimmed().isEmpty())
            requests.push_back(nlohmann::json::parse(line.toStdString(), nullptr, false));
    }
    return requests;
}

void HttpsUpstream::clearReceived() { QFile::remove(m_dir.filePath(QStringLiteral("requests.jsonl"))); }

} // namespace keyward::test
