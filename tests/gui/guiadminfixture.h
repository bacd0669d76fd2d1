#pragma once

// A home with the owner's parts the admin windows work on (config and kill switches followed, the
// audit log, a FakeSecretStore, a network manager), and the AdminContext over them. Shared by the
// wizard and services window tests.

#include "windows/admincontext.h"

#include "support/fakesecretstore.h"
#include "support/temphome.h"

#include "audit/auditlog.h"
#include "config/configjson.h"
#include "config/configstore.h"
#include "core/keywardhome.h"
#include "state/killstate.h"

#include <QNetworkAccessManager>

namespace keyward::test {

struct GuiAdminFixture {
    TempHome dir;
    KeywardHome home = KeywardHome::atDirectory(dir.path());
    ConfigStore config{home.configFile()};
    KillState kills{home.stateFile()};
    AuditLog audit{home.auditDatabase()};
    FakeSecretStore store;
    QNetworkAccessManager network;
    int reloads = 0;

    GuiAdminFixture()
    {
        if (!config.load() || !kills.load())
            qFatal("cannot load the test home");
    }

    gui::AdminContext context()
    {
        return gui::AdminContext{home, config, kills, audit, store, network, [this] {
                                     ++reloads;
                                     config.reload();
                                     kills.reload();
                                 }};
    }

    // Writes service `name` into config.json as another process would, and lets the owner's
    // ConfigStore follow at once.
    void writeService(const QString &name, const ServiceConfig &service)
    {
        Config next = onDisk();
        next.services[name] = service;
        if (!saveConfigFile(home.configFile(), next))
            qFatal("cannot save config.json");
        config.reload();
    }

    static ServiceConfig exampleService()
    {
        ServiceConfig service;
        service.baseUrl = QStringLiteral("https://api.example.com/v1");
        service.testPath = QStringLiteral("/user");
        service.policy.rules = {Rule{RuleAction::Allow, QStringLiteral("GET"), QStringLiteral("/user/**")}};
        return service;
    }

    // config.json as another process reads it.
    Config onDisk() const
    {
        auto loaded = loadConfigFile(home.configFile());
        return loaded ? loaded.value() : Config();
    }

    QList<AuditRow> changeRows()
    {
        AuditFilter filter;
        filter.decision = QStringLiteral("change");
        const auto rows = audit.query(filter);
        return rows ? rows.value() : QList<AuditRow>();
    }
};

} // namespace keyward::test
