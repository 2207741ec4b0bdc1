// The template registry in SQLite (schema version 9). Every function runs on a connection
// inside a transaction its caller opened; the contract is the Store's (store.h, "Template
// registry").
#pragma once

#include "core/result.h"
#include "core/templates.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace crier::sqlite {

Result<RegisteredTemplate> InsertTemplate(Connection& db, const TemplateDefinition& in, Time now);
Result<RegisteredTemplate> SelectTemplate(Connection& db, Id id);
Result<Page<RegisteredTemplate>> SelectTemplatesPage(Connection& db, const TemplateQuery& query);
Result<RegisteredTemplate> ApplyTemplateUpdate(Connection& db, Id id, const TemplateUpdate& update,
                                               Time now);
Status RemoveTemplate(Connection& db, Id id);

}  // namespace crier::sqlite
