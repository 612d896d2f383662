// dotenv files (src/app/dotenv.*): any bytes give a map or a DotenvError, nothing else.
// Property: no parsed key is empty or holds '=' or a newline (it could not be set in an environment).
#include <cstdint>
#include <string_view>

#include "app/dotenv.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& [key, value] : mcp::app::parse_dotenv(text, "/fuzz/.env")) {
      if (key.empty() || key.find_first_of("=\n") != std::string::npos) {
        mcp::fuzz::property_failed("a dotenv key that no environment can hold");
      }
    }
  } catch (const mcp::app::DotenvError&) {
  }
  return 0;
}
