#include "clients/cli/document_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "newsgraph/importers.h"

namespace newsgraph::cli {
namespace {

namespace fs = std::filesystem;

enum class FileKind { kNone, kSingleDocument, kReutersSgml, kJsonLines };

FileKind KindOf(const fs::path& path) {
  const std::string name = absl::AsciiStrToLower(path.filename().string());
  if (absl::EndsWith(name, ".sgm") || absl::EndsWith(name, ".sgm.gz"))
    return FileKind::kReutersSgml;
  if (absl::EndsWith(name, ".jsonl") || absl::EndsWith(name, ".jsonl.gz")) {
    return FileKind::kJsonLines;
  }
  for (const char* ext : {".txt", ".text", ".md", ".html", ".htm"}) {
    if (absl::EndsWith(name, ext)) return FileKind::kSingleDocument;
  }
  return FileKind::kNone;
}

absl::StatusOr<newsgraph::v1::DocumentInput> LoadFile(const fs::path& path,
                                                      const std::string& external_id,
                                                      const std::string& source) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat("cannot read ", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  newsgraph::v1::DocumentInput doc;
  doc.set_content(buffer.str());
  doc.set_external_id(external_id);
  doc.set_source(source);
  const std::string ext = absl::AsciiStrToLower(path.extension().string());
  doc.set_content_type(ext == ".html" || ext == ".htm" ? newsgraph::v1::TEXT_HTML
                       : ext == ".md"                  ? newsgraph::v1::TEXT_MARKDOWN
                                                       : newsgraph::v1::TEXT_PLAIN);
  return doc;
}

}  // namespace

absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> LoadDocuments(
    const std::vector<std::string>& paths, const std::string& source) {
  std::vector<newsgraph::v1::DocumentInput> documents;
  for (const std::string& arg : paths) {
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(fs::path(arg), ec);
    if (ec || !fs::exists(root, ec) || ec)
      return absl::NotFoundError(absl::StrCat("no such file or directory: ", arg));
    const fs::path base = root.has_parent_path() ? root.parent_path() : root;
    std::vector<fs::path> files;
    if (fs::is_directory(root, ec)) {
      // The error_code overloads throughout: nothing is thrown.
      fs::recursive_directory_iterator it(root, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        std::error_code entry_ec;
        if (it->is_regular_file(entry_ec) && !entry_ec && KindOf(it->path()) != FileKind::kNone) {
          files.push_back(it->path());
        } else if (entry_ec && entry_ec != std::errc::no_such_file_or_directory &&
                   KindOf(it->path()) != FileKind::kNone) {
          // A dangling link is skipped; a link loop or an unreadable entry
          // fails the load.
          return absl::UnavailableError(
              absl::StrCat("cannot read ", it->path().string(), ": ", entry_ec.message()));
        }
      }
      if (ec) return absl::UnavailableError(absl::StrCat("cannot list ", arg, ": ", ec.message()));
      std::sort(files.begin(), files.end());
    } else if (KindOf(root) == FileKind::kNone) {
      return absl::InvalidArgumentError(
          absl::StrCat(arg,
                       ": not a kind of file ingest reads (.txt .text .md .html .htm, "
                       ".sgm and .jsonl, also gzip'd)"));
    } else {
      files.push_back(root);
    }
    for (const fs::path& file : files) {
      const FileKind kind = KindOf(file);
      if (kind == FileKind::kReutersSgml || kind == FileKind::kJsonLines) {
        absl::StatusOr<std::vector<newsgraph::v1::DocumentInput>> many =
            kind == FileKind::kReutersSgml ? ReadReutersSgml(file.string())
                                           : ReadJsonLines(file.string());
        if (!many.ok()) return many.status();
        for (newsgraph::v1::DocumentInput& doc : *many) {
          if (!source.empty()) doc.set_source(source);
          documents.push_back(std::move(doc));
        }
        continue;
      }
      std::error_code relative_ec;
      const fs::path id = fs::relative(file, base, relative_ec);
      absl::StatusOr<newsgraph::v1::DocumentInput> doc =
          LoadFile(file, relative_ec ? file.filename().string() : id.generic_string(), source);
      if (!doc.ok()) return doc.status();
      documents.push_back(*std::move(doc));
    }
  }
  return documents;
}

}  // namespace newsgraph::cli
