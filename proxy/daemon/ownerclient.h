#pragma once

#include "core/keywardhome.h"
#include "core/result.h"

#include <nlohmann/json.hpp>

#include <string>

namespace keyward::daemon {

// Sends one admin request ("status", "reload", "stop") to the owner of `home` and returns its
// answer (ok:true fields, including "pid"). Blocks for at most `timeoutMs`. No owner listening is
// the error code owner_errors::kNotRunning; an owner's refusal is its own error.
// `fields` are sent with the hello (e.g. unlock's passphrase).
Result<nlohmann::json> askOwner(const KeywardHome &home, const std::string &op, int timeoutMs = 3000,
                                const nlohmann::json &fields = nlohmann::json::object());

} // namespace keyward::daemon
