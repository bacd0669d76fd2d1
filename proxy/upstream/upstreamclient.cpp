#include "upstream/upstreamclient.h"

#include <QBuffer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslError>
#include <QTimer>

#include <algorithm>
#include <memory>

namespace keyward {

namespace {

QString describeFailure(QNetworkReply::NetworkError code, bool timedOut, const QList<QSslError> &sslErrors, const QUrl &url)
{
    const QString host = url.host() + (url.port() > 0 ? QStringLiteral(":%1").arg(url.port()) : QString());
    if (timedOut)
        return QStringLiteral("the upstream %1 did not answer in time; raise the service's timeout if it is slow").arg(host);
    if (!sslErrors.isEmpty()) {
        QStringList reasons;
        for (const QSslError &error : sslErrors)
            reasons << error.errorString();
        reasons.removeDuplicates();
        return QStringLiteral("TLS verification of %1 failed (%2); if it uses a private CA, add it with "
                              "`keyward service add ... --ca-file PEM`")
            .arg(host, reasons.join(QStringLiteral("; ")));
    }
    switch (code) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("the upstream %1 refused the connection").arg(host);
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("the upstream host %1 was not found").arg(url.host());
    case QNetworkReply::SslHandshakeFailedError:
        return QStringLiteral("the TLS handshake with %1 failed").arg(host);
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("the upstream %1 closed the connection before answering").arg(host);
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
        return QStringLiteral("the system proxy could not be used to reach %1").arg(host);
    default:
        return QStringLiteral("the call to %1 failed (network error %2)").arg(host).arg(int(code));
    }
}

} // namespace

UpstreamClient::UpstreamClient(QNetworkAccessManager &network) : m_network(network) {}

UpstreamClient::~UpstreamClient() = default;

QNetworkAccessManager &UpstreamClient::take(Pool &pool)
{
    if (pool.managers.size() < std::size_t(kManagersPerTrustSet)) {
        pool.owned.push_back(std::make_unique<QNetworkAccessManager>()); // the application-wide proxy settings apply
        pool.managers.push_back(pool.owned.back().get());
        return *pool.managers.back();
    }
    QNetworkAccessManager &manager = *pool.managers[pool.next];
    pool.next = (pool.next + 1) % pool.managers.size();
    return manager;
}

QNetworkAccessManager &UpstreamClient::managerFor(const QList<QSslCertificate> &extraCas)
{
    if (extraCas.isEmpty()) {
        if (m_systemTrust.managers.empty())
            m_systemTrust.managers.push_back(&m_network);
        return take(m_systemTrust);
    }
    QByteArrayList digests;
    for (const QSslCertificate &certificate : extraCas)
        digests << certificate.digest(QCryptographicHash::Sha256);
    std::sort(digests.begin(), digests.end());
    return take(m_privateTrust[digests.join()]);
}

void UpstreamClient::send(const UpstreamRequest &request, Callback done, std::shared_ptr<Cancellation> cancellation)
{
    QNetworkAccessManager &network = managerFor(request.extraCaCertificates);
    if (cancellation && cancellation->isCancelled()) {
        // Nothing is sent; the answer still comes from the event loop, as the contract says.
        QMetaObject::invokeMethod(
            &network,
            [done = std::move(done)] {
                UpstreamResponse response;
                response.cancelled = true;
                done(std::move(response));
            },
            Qt::QueuedConnection);
        return;
    }
    QNetworkRequest networkRequest(request.url);
    for (const auto &[name, value] : request.headers)
        networkRequest.setRawHeader(name, value);
    networkRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    networkRequest.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    networkRequest.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    networkRequest.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    networkRequest.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    networkRequest.setAttribute(QNetworkRequest::AuthenticationReuseAttribute, QNetworkRequest::Manual);

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    if (!request.extraCaCertificates.isEmpty())
        tls.addCaCertificates(request.extraCaCertificates);
    networkRequest.setSslConfiguration(tls);

    auto *buffer = new QBuffer;
    buffer->setData(request.body);
    buffer->open(QIODevice::ReadOnly);
    QNetworkReply *reply = request.body.isEmpty() && (request.method == "GET" || request.method == "HEAD")
                               ? network.sendCustomRequest(networkRequest, request.method)
                               : network.sendCustomRequest(networkRequest, request.method, buffer);
    buffer->setParent(reply);

    struct State {
        UpstreamResponse response;
        QList<QSslError> sslErrors;
        bool timedOut = false;
        bool cancelled = false;
        bool finished = false;
        bool headSent = false;
        qint64 delivered = 0; // streaming: body bytes passed to onBody
        qint64 limit = 0;
        Cancellation::Registration registration = 0;
    };
    auto state = std::make_shared<State>();
    state->limit = request.maxResponseBytes + request.overreadBytes;

    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, reply, [reply, state] {
        state->timedOut = true;
        reply->abort();
    });
    timer->start(request.timeoutMs);

    QObject::connect(reply, &QNetworkReply::sslErrors, reply,
                     [state](const QList<QSslError> &errors) { state->sslErrors = errors; });

    const bool streaming = bool(request.onBody);
    // Streaming: the head once (when the status is known), then each chunk under the cap.
    auto sendHead = [reply, state, onHead = request.onHead] {
        if (state->headSent || state->cancelled)
            return;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (!status.isValid())
            return;
        state->headSent = true;
        if (!onHead)
            return;
        HeaderList headers;
        for (const auto &[name, value] : reply->rawHeaderPairs())
            headers.append({name.toLower(), value});
        onHead(status.toInt(), headers);
    };
    auto deliver = [reply, state, sendHead, onBody = request.onBody](const QByteArray &chunk) {
        if (state->cancelled)
            return;
        sendHead();
        state->response.bytesReceived += chunk.size();
        const qint64 room = state->limit - state->delivered;
        const QByteArray part = chunk.size() <= room ? chunk : chunk.left(room);
        state->delivered += part.size();
        if (!part.isEmpty())
            onBody(part);
        if (chunk.size() > room && !state->response.truncated) {
            state->response.truncated = true;
            reply->abort();
        }
    };
    if (streaming)
        QObject::connect(reply, &QNetworkReply::metaDataChanged, reply, sendHead);

    QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, state, streaming, deliver] {
        if (streaming) {
            if (!state->response.truncated)
                deliver(reply->readAll());
            return;
        }
        const QByteArray chunk = reply->readAll();
        state->response.bytesReceived += chunk.size();
        const qint64 room = state->limit - state->response.body.size();
        if (chunk.size() <= room) {
            state->response.body += chunk;
            return;
        }
        state->response.body += chunk.left(room);
        state->response.truncated = true;
        reply->abort();
    });

    QObject::connect(reply, &QNetworkReply::finished, reply,
                     [&network, reply, state, cancellation, streaming, deliver, sendHead, done = std::move(done),
                      url = request.url] {
        if (state->finished)
            return;
        state->finished = true;
        if (cancellation)
            cancellation->remove(state->registration);
        reply->deleteLater();
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (state->cancelled) {
            state->response.cancelled = true;
            state->response.status = status.isValid() ? status.toInt() : 0;
            for (const auto &[name, value] : reply->rawHeaderPairs())
                state->response.headers.append({name.toLower(), value});
            done(std::move(state->response));
            return;
        }
        if (reply->isOpen() && !state->response.truncated) {
            if (streaming)
                deliver(reply->readAll());
            else
                state->response.body += reply->readAll();
        }

        const int code = int(reply->error());
        // Network (1-99) and proxy (101-199) errors mean the exchange failed; content and server
        // errors (201+) come with an HTTP status and are responses. Our own abort after the cap
        // is not a failure.
        const bool exchangeFailed = code > 0 && code < 200 && !state->response.truncated;
        if (!state->sslErrors.isEmpty()) {
            // Qt keys its connection cache by scheme, host and port only, not by the TLS
            // configuration: drop the failed connection so a fixed CA file takes effect at once.
            network.clearConnectionCache();
        }
        if (state->timedOut || exchangeFailed || !status.isValid()) {
            done(Error{QStringLiteral("upstream_error"),
                       describeFailure(reply->error(), state->timedOut, state->sslErrors, url)});
            return;
        }
        state->response.status = status.toInt();
        for (const auto &[name, value] : reply->rawHeaderPairs())
            state->response.headers.append({name.toLower(), value});
        if (streaming)
            sendHead(); // a response with no body
        done(std::move(state->response));
    });

    if (cancellation) {
        state->registration = cancellation->onCancel([reply = QPointer<QNetworkReply>(reply), state](const QString &) {
            if (!reply || state->finished)
                return;
            state->cancelled = true;
            reply->abort(); // emits finished(), which answers `done`
        });
    }
}

} // namespace keyward
