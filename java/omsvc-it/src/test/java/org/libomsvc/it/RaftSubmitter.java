package org.libomsvc.it;

import java.util.concurrent.CompletableFuture;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.libomsvc.ConfigurationSubmitter;

/**
 * Submits configuration commands as Ratis log entries; the reply is the applying leader's response.
 */
final class RaftSubmitter implements ConfigurationSubmitter {
  private final RaftClient client;

  RaftSubmitter(RaftClient client) {
    this.client = client;
  }

  @Override
  public CompletableFuture<byte[]> submit(byte[] request) {
    return client
        .async()
        .send(Message.valueOf(ByteString.copyFrom(request)))
        .thenApply(
            reply -> {
              if (!reply.isSuccess()) {
                throw new IllegalStateException("Ratis refused the entry: " + reply.getException());
              }
              return reply.getMessage().getContent().toByteArray();
            });
  }
}
