/*
 * Licensed to the Apache Software Foundation (ASF) under one or more
 * contributor license agreements.  See the NOTICE file distributed with
 * this work for additional information regarding copyright ownership.
 * The ASF licenses this file to You under the Apache License, Version 2.0
 * (the "License"); you may not use this file except in compliance with
 * the License.  You may obtain a copy of the License at
 *
 *      http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

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
