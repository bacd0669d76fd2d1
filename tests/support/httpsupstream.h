#pragma once

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <vector>

namespace keyward::test {

// A real HTTPS server on 127.0.0.1 (tests/e2e/https_upstream.mjs under node) with a certificate
// made for this run by openssl (subjectAltName IP:127.0.0.1), so tests can trust it explicitly
// through `--ca-file` and see a self-signed server refused without it.
class HttpsUpstream {
public:
    HttpsUpstream() = default;
    ~HttpsUpstream();

    // Generates the certificate and starts the server; false (with errorString()) on failure.
    bool start();
    QString errorString() const { return m_error; }

    int port() const { return m_port; }
    QString baseUrl(const QString &prefix = {}) const;
    QString caFile() const; // the server's own self-signed certificate (PEM)

    // Every request the server received so far, oldest first (see https_upstream.mjs).
    std::vector<nlohmann::json> received() const;
    void clearReceived();

private:
    QTemporaryDir m_dir;
    QProcess m_node;
    int m_port = 0;
    QString m_error;
};

} // namespace keyward::test
