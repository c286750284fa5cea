#include "tokenizer/TokenizerFile.h"

#include "tokenizer/Tokenizer.h"

#include <fstream>
#include <sstream>

namespace lv {

std::string readTokenizerFile(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw TokenizerError(file.string() + ": no such tokenizer file");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw TokenizerError(file.string() + ": cannot be opened");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

} // namespace lv
