#pragma once

#include "config/config.h"
#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <nlohmann/json.hpp>

namespace keyward::policy {

// Query parameters as decoded text (key, value), in order; a key may repeat.
using QueryItems = QList<QPair<QString, QString>>;

// Checks the `query` object of an `execute` call for `service` and flattens it: each value is a
// string or an array of strings (an array gives one item per element, in order). Null means no
// query. Then applies checkQueryItems.
// Errors: invalid_argument when `query` is not an object or a value is neither a string nor an
// array of strings (the message names the key); the denials of checkQueryItems.
Result<QueryItems> checkQuery(const nlohmann::json &query, const ServiceConfig &service);

// Checks decoded query items (from checkQuery, or from the query string of a /proxy/ call).
//   invalid_argument    an empty key
//   query:invalid       a key with a control character (0x00-0x1F, 0x7F, U+0080-U+009F), or a
//                       value with NUL
//   query:<auth.param>  for AuthType::Query, a key that a server could read as the credential's
//                       parameter: compared after repeated percent-decoding (with `+` as space),
//                       cutting at a NUL, trimming whitespace, cutting a `[…]` suffix (api_key[], api_key[0]),
//                       reading `.`, ` ` and `[` as `_` (as PHP does), and Unicode case folding
//                       of the NFKC form; so api_key, API_KEY, ` api_key `, api%5Fkey, %61pi_key,
//                       api%255Fkey, api_key[], api.key and api_ｋey all match api_key.
// Returns `items` unchanged when they pass.
Result<QueryItems> checkQueryItems(const QueryItems &items, const ServiceConfig &service);

// The query string of `items` without the leading `?`: key=value joined with `&`, every byte of the
// UTF-8 of keys and values percent-encoded except ALPHA DIGIT - . _ ~, so no value can add a
// parameter (`x&api_key=…` stays one value).
QByteArray encodeQuery(const QueryItems &items);

} // namespace keyward::policy
