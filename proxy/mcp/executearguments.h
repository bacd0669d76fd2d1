#pragma once

#include "core/result.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QString>

#include <optional>

namespace keyward::mcp {

// The `execute` tool's arguments, type-checked (DESIGN.md "MCP surface"). Values are not yet
// guarded: path normalization, header and query rules are the gate's job.
struct ExecuteArguments {
    QString service;
    QString method;
    QString path;
    nlohmann::json query = nlohmann::json::object();   // values: string or array of strings (checked by the guard)
    nlohmann::json headers = nlohmann::json::object(); // values: strings (checked by the guard)
    std::optional<QByteArray> body;
    // The agent sent JSON (not a string): the body is its serialization and, unless the agent set
    // Content-Type, goes out as application/json.
    bool bodyIsJson = false;
    QString reason;
};

// Errors have code `invalid_argument` and name the argument at fault.
Result<ExecuteArguments> parseExecuteArguments(const nlohmann::json &arguments);

} // namespace keyward::mcp
