#pragma once

#include "audit/auditrow.h"

#include <QString>

#include <optional>

class QSqlQuery;

namespace keyward {

// Every column of the `audit` table in the order auditRowFromQuery() reads them (and the order
// of a CSV export's header).
QString auditRowColumns();

// The row a query selected with auditRowColumns() holds at its current position.
AuditRow auditRowFromQuery(const QSqlQuery &query);

// A nullable text column: nullopt for NULL.
std::optional<QString> optionalStringColumn(const QSqlQuery &query, int index);

} // namespace keyward
