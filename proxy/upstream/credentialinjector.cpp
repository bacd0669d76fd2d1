#include "upstream/credentialinjector.h"

#include "core/version.h"

namespace keyward {

namespace {

void setHeader(HeaderList &headers, const QByteArray &name, const QByteArray &value)
{
    headers.removeIf([&](const auto &pair) { return pair.first.compare(name, Qt::CaseInsensitive) == 0; });
    headers.append({name, value});
}

} // namespace

void injectCredential(const ServiceConfig &service, const QByteArray &secret, HeaderList &headers, QueryList &query)
{
    const AuthConfig &auth = service.auth;
    switch (auth.type) {
    case AuthType::Bearer:
        setHeader(headers, "Authorization", "Bearer " + secret);
        break;
    case AuthType::Basic:
        setHeader(headers, "Authorization", "Basic " + QByteArray(auth.username.toUtf8() + ':' + secret).toBase64());
        break;
    case AuthType::Header:
        setHeader(headers, auth.header.toLatin1(), auth.prefix.toUtf8() + secret);
        break;
    case AuthType::Query:
        query.append({auth.param, QString::fromUtf8(secret)});
        break;
    }
    setHeader(headers, "User-Agent", QByteArray("Keyward/") + kVersion);
    for (const auto &[name, value] : service.setHeaders)
        setHeader(headers, name.toLatin1(), value.toUtf8());
}

QList<QByteArray> revealingForms(const ServiceConfig &service, const QByteArray &secret)
{
    QList<QByteArray> forms{secret};
    if (service.auth.type == AuthType::Basic)
        forms.append(service.auth.username.toUtf8() + ':' + secret);
    return forms;
}

} // namespace keyward
