#include "channels/adapter.h"
#include "channels/line_adapter.h"
#include "channels/messenger_adapter.h"
#include "channels/whatsapp_adapter.h"

namespace crier::channels {

std::unique_ptr<ChannelAdapter> MakeAdapter(Platform platform) {
  switch (platform) {
    case Platform::kMessenger:
    case Platform::kInstagram:
      return std::make_unique<MessengerAdapter>(platform);
    case Platform::kWhatsApp:
      return std::make_unique<WhatsAppAdapter>();
    case Platform::kLine:
      return std::make_unique<LineAdapter>();
  }
  return nullptr;
}

}  // namespace crier::channels
