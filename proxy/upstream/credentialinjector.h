#pragma once

#include "config/config.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace keyward {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;
// Decoded query items in order (policy::QueryItems); encoded once, with policy::encodeQuery.
using QueryList = QList<QPair<QString, QString>>;

// Puts a service's credential and Keyward's own headers on an outgoing request.
//
// - bearer: `Authorization: Bearer <secret>`
// - basic:  `Authorization: Basic base64(<username>:<secret>)`
// - header: `<auth.header>: <auth.prefix><secret>`
// - query:  `<auth.param>=<secret>` appended to `query`
// and always `User-Agent: Keyward/<version>` and the service's fixed headers (setHeaders), which
// replace any header of the same name (case-insensitively) already in `headers`.
void injectCredential(const ServiceConfig &service, const QByteArray &secret, HeaderList &headers, QueryList &query);

// The byte strings that would reveal `secret` for this service if reflected back: the secret
// itself and, for basic auth, `username:secret`. The redactor scrubs each in every encoding.
QList<QByteArray> revealingForms(const ServiceConfig &service, const QByteArray &secret);

} // namespace keyward
