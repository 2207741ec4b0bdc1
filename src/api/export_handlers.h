// Handlers of the contact export (PRODUCT.md C1/C2): everyone a filter selects, streamed in
// the format the import reads. Registered in the route table (handlers.cpp).
#pragma once

#include "api/routes.h"
#include "net/http.h"

namespace crier::api {

// The header of an export's answer that says how many contacts the filter selected when the
// export began (rows may differ: one row per identity, and contacts change meanwhile).
inline constexpr std::string_view kExportContactsHeader = "Crier-Contacts";

// POST /v1/contacts/export {"filter": F, "format": "csv" | "jsonl"}
net::Response ExportContacts(RequestContext& c);

}  // namespace crier::api
