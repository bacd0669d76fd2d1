#include "core/logging.h"

#include <spdlog/spdlog.h>

#include <mutex>

namespace keyward {

std::shared_ptr<spdlog::logger> logger(const char *name)
{
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    if (auto existing = spdlog::get(name))
        return existing;
    const auto fallback = spdlog::default_logger();
    auto created = std::make_shared<spdlog::logger>(name, fallback->sinks().begin(), fallback->sinks().end());
    created->set_level(fallback->level());
    spdlog::register_logger(created);
    return created;
}

} // namespace keyward
