#pragma once

#include "audit/auditrow.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace keyward {

// The hash chain of the audit table (DESIGN.md "Audit"), in one place so that writing and
// verifying can never disagree.
//
// The canonical row is every column of `audit` except `hash`, serialized as one JSON object:
//  - keys are the column names, sorted by byte value (nlohmann::json's std::map order):
//    agent, bytes_in, bytes_out, client, decision, duration_ms, method, path, prev_hash,
//    query_keys, reason, request_body, response_body, rule, seq, service, status, time;
//  - no whitespace anywhere (nlohmann dump(), indent -1), UTF-8 emitted as is (ensure_ascii off;
//    only `"`, `\` and control characters are escaped, the latter as \b \f \n \r \t or \u00xx);
//  - INTEGER columns (seq, status, duration_ms, bytes_in, bytes_out) as JSON numbers;
//  - TEXT columns as JSON strings, exactly the text stored: `time` is the stored RFC 3339 string
//    (`2026-11-26T07:01:02.345Z`), and `query_keys` is the stored JSON-array TEXT as a string
//    (`"query_keys":"[\"limit\",\"page\"]"`), not a nested array;
//  - NULL (status, rule, reason, request_body, response_body) as `null`.
// `hash` is the lowercase hex SHA-256 of those UTF-8 bytes. The first row ever written has
// `prev_hash` = kGenesisPrevHash; every other row has the `hash` of the row before it, except the
// row after an `anchor`, which links to the anchor's `prev_hash` (see AuditLog::purgeBefore).

// 64 zeros: the prev_hash of the genesis row.
inline constexpr QLatin1String kGenesisPrevHash("0000000000000000000000000000000000000000000000000000000000000000");

// The stored text of `query_keys`: a compact JSON array of strings in the given order, `[]` when empty.
QString queryKeysText(const QStringList &keys);
// The keys of a stored `query_keys` text; empty when the text is not a JSON array of strings.
QStringList queryKeysFromText(const QString &text);

// Every column of `row` (including `hash`) as the JSON value the canonical row uses.
nlohmann::json auditColumns(const AuditRow &row);

// The canonical row of `columns` (an object keyed by column name; a `hash` key is ignored).
QByteArray canonicalAuditJson(const nlohmann::json &columns);
QByteArray canonicalAuditJson(const AuditRow &row);

// Lowercase hex SHA-256 of canonicalAuditJson(columns).
QString auditRowHash(const nlohmann::json &columns);
QString auditRowHash(const AuditRow &row);

} // namespace keyward
