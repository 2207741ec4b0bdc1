// Contacts written in the format the contacts import reads (contact_input.h), for exports:
// one JSON line or CSV record per identity, so that what is exported imports again as it was
// (identities, names, locale, time zone, region, typed attributes, tags, subscription,
// interactions, WhatsApp opt-in and marketing STOP, conversation state and assignee). What an
// import cannot set is not written: ids, creation and update times, when the subscription last
// changed, and suppression. Nor is the marketing token: its string is never printed, and an
// import cannot set a token without it (re-importing an export keeps the stored token, since
// a row without one leaves it as it is). A contact without an identity gives no row, since an
// import row is keyed by one.
//
// Pure functions and values; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace crier::api {

// Appends one JSON line ("...}\n") per identity of `contact`: every field of the import row,
// "attributes" with their types ({"time": ...} for times); fields without a value (an
// unknown locale, no last interaction, no conversation state) are left out.
void AppendJsonlRows(const Contact& contact, std::string& out);

// The columns of a CSV export: the import's fields, then one typed column per attribute key
// ("attr.spend:number"), found by showing it every contact first. CSV cannot carry
// everything JSON Lines can, so Add refuses what would not import back as it was.
class CsvExportLayout {
 public:
  // Takes note of the contact's attributes. Fails with kInvalidArgument (field "format")
  // when an attribute key holds values of two types (a CSV column has one), an attribute is
  // the empty string (an empty cell means "not given"), or a tag contains '|' (the tag
  // separator) or starts or ends with a space (cells are trimmed).
  Status Add(const Contact& contact);

  // The header record, with its line end.
  std::string Header() const;

  // Appends one record per identity of `contact`. Fails like Add when the contact does not
  // fit the columns (it changed after the layout was made).
  Status AppendRows(const Contact& contact, std::string& out) const;

 private:
  enum class Type { kString, kNumber, kBool, kTime };
  struct Column {
    std::string key;
    Type type;
    Id first_contact;  // the contact that gave the column its type, for error messages
  };
  static Type TypeOf(const AttributeValue& value);
  static std::string_view TypeName(Type type);
  static Status CheckFits(const Contact& contact, const Attribute& a, Type type,
                          const Column* column);

  std::vector<Column> columns_;  // sorted by key
};

}  // namespace crier::api
