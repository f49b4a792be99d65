-- AlterTable
ALTER TABLE "terms_versions" ADD COLUMN     "card_summary" TEXT,
ADD COLUMN     "change_summary" TEXT,
ADD COLUMN     "label" TEXT,
ADD COLUMN     "published_at" TIMESTAMP(3),
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'published';

-- CreateTable
CREATE TABLE "announcements" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "terms_version_id" INTEGER,
    "title" TEXT NOT NULL,
    "body" TEXT,
    "audience" TEXT NOT NULL,
    "range_from" TEXT,
    "range_to" TEXT,
    "messages" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'sending',
    "created_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "announcements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "announcement_batches" (
    "id" TEXT NOT NULL,
    "announcement_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "variant" TEXT NOT NULL,
    "recipients" TEXT[],
    "status" TEXT NOT NULL DEFAULT 'pending',
    "retry_key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL,
    "lease_until" TIMESTAMP(3),
    "last_error" TEXT,
    "last_status" INTEGER,
    "skipped_count" INTEGER NOT NULL DEFAULT 0,
    "sent_at" TIMESTAMP(3),

    CONSTRAINT "announcement_batches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "announcements_created_at_idx" ON "announcements"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "announcement_batches_retry_key_key" ON "announcement_batches"("retry_key");

-- CreateIndex
CREATE INDEX "announcement_batches_status_next_attempt_at_idx" ON "announcement_batches"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "announcement_batches_announcement_id_seq_key" ON "announcement_batches"("announcement_id", "seq");

-- AddForeignKey
ALTER TABLE "announcements" ADD CONSTRAINT "announcements_terms_version_id_fkey" FOREIGN KEY ("terms_version_id") REFERENCES "terms_versions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "announcement_batches" ADD CONSTRAINT "announcement_batches_announcement_id_fkey" FOREIGN KEY ("announcement_id") REFERENCES "announcements"("id") ON DELETE CASCADE ON UPDATE CASCADE;
