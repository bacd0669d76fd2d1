#pragma once

#include "core/cancellation.h"
#include "core/result.h"
#include "upstream/credentialinjector.h"

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QUrl>

#include <functional>
#include <map>
#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace keyward {

struct UpstreamRequest {
    QUrl url; // complete, already guarded
    QByteArray method;
    HeaderList headers;
    QByteArray body;
    int timeoutMs = 30000;
    // The body is cut after this many bytes (plus `overreadBytes`, see UpstreamResponse).
    qint64 maxResponseBytes = 10 * 1024 * 1024;
    // Extra bytes read past the cap so that a secret straddling the cut is still seen whole by the
    // redactor; the caller cuts to maxResponseBytes after redacting.
    qint64 overreadBytes = 0;
    // Trusted in addition to the system CA store.
    QList<QSslCertificate> extraCaCertificates;
    // Streaming: when onBody is set, the status and headers go to onHead as soon as they arrive
    // (names lowercased) and the body to onBody chunk by chunk, as it arrives, instead of being
    // collected in UpstreamResponse::body (which stays empty). The cap applies the same way. Both
    // run from the event loop before `done`; neither runs after a cancellation.
    std::function<void(int status, const HeaderList &headers)> onHead;
    std::function<void(const QByteArray &chunk)> onBody;
};

struct UpstreamResponse {
    int status = 0;
    HeaderList headers; // names lowercased, in arrival order
    QByteArray body;    // at most maxResponseBytes + overreadBytes
    bool truncated = false;
    qint64 bytesReceived = 0;
    // The request's cancellation fired before the exchange ended: the request was aborted, and
    // status (0 if no headers had arrived), headers, body and bytesReceived are what had arrived
    // by then. Not an answer: a caller never hands it on as one.
    bool cancelled = false;
};

// Sends requests upstream on a QNetworkAccessManager it does not own. TLS is always verified
// (system store plus the request's extra CAs); redirects are returned, never followed; the system
// proxy settings are whatever the manager uses (the extra managers it makes use the application's). Qt reuses connections by scheme, host and port
// regardless of the TLS configuration, so requests that trust extra CAs go through a manager of
// their own per distinct CA set: a connection verified with one trust set never carries a request
// made under another. A failure of the exchange itself (refused,
// timed out, TLS) is an Error with code `upstream_error` and a sentence naming the cause; an HTTP
// error status is a response, not an error.
class UpstreamClient {
public:
    using Callback = std::function<void(Result<UpstreamResponse>)>;

    explicit UpstreamClient(QNetworkAccessManager &network);
    ~UpstreamClient();

    // `done` is called exactly once from the event loop. When `cancellation` fires before the
    // exchange ended, the request is aborted and `done` receives a response marked `cancelled`
    // (within cancel() itself, or, when it had already fired before send(), queued); a
    // cancellation that fires afterwards changes nothing.
    void send(const UpstreamRequest &request, Callback done, std::shared_ptr<Cancellation> cancellation = nullptr);

private:
    // Qt opens at most 6 HTTP/1.1 connections per host and manager, so concurrent calls to one
    // API would queue behind 6: each trust set gets a pool of managers used in turn.
    static constexpr int kManagersPerTrustSet = 8;
    struct Pool {
        std::vector<QNetworkAccessManager *> managers;
        std::vector<std::unique_ptr<QNetworkAccessManager>> owned;
        std::size_t next = 0;
    };
    QNetworkAccessManager &managerFor(const QList<QSslCertificate> &extraCas);
    static QNetworkAccessManager &take(Pool &pool);

    QNetworkAccessManager &m_network;
    Pool m_systemTrust;
    std::map<QByteArray, Pool> m_privateTrust;
};

} // namespace keyward
