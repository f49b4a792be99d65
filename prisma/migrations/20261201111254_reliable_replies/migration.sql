-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "reply_retry_key" TEXT,
ADD COLUMN     "reply_sealed" TEXT,
ADD COLUMN     "reply_status" TEXT,
ADD COLUMN     "transient_attempts" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "webhook_events_reply_status_processed_at_idx" ON "webhook_events"("reply_status", "processed_at");
