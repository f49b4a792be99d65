-- AlterTable
ALTER TABLE "bookings" ADD COLUMN     "job_seeker_number_hash" TEXT,
ADD COLUMN     "name_hash" TEXT;

-- AlterTable
ALTER TABLE "line_users" ADD COLUMN     "staff_ref" TEXT NOT NULL DEFAULT replace((gen_random_uuid())::text, '-'::text, ''::text),
ADD COLUMN     "suspended_at" TIMESTAMP(3),
ADD COLUMN     "suspension_note_enc" TEXT,
ADD COLUMN     "suspension_reason" TEXT;

-- CreateTable
CREATE TABLE "office_day_capacities" (
    "date" TEXT NOT NULL,
    "capacity" INTEGER NOT NULL,
    "note" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "office_day_capacities_pkey" PRIMARY KEY ("date")
);

-- CreateTable
CREATE TABLE "office_blocked_times" (
    "id" TEXT NOT NULL,
    "date" TEXT NOT NULL,
    "start_time" TEXT NOT NULL,
    "end_time" TEXT NOT NULL,
    "seats" INTEGER,
    "note" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "office_blocked_times_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "office_blocked_times_date_idx" ON "office_blocked_times"("date");

-- CreateIndex
CREATE INDEX "bookings_name_hash_idx" ON "bookings"("name_hash");

-- CreateIndex
CREATE INDEX "bookings_job_seeker_number_hash_idx" ON "bookings"("job_seeker_number_hash");

-- CreateIndex
CREATE UNIQUE INDEX "line_users_staff_ref_key" ON "line_users"("staff_ref");

-- A keyed hash must not outlive the encrypted value it was computed from: whatever erases a
-- booking's name or job-seeker number (retention, a user's erasure request) clears its hash too.
CREATE FUNCTION bookings_clear_search_hashes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.name_enc IS NULL THEN NEW.name_hash := NULL; END IF;
  IF NEW.job_seeker_number_enc IS NULL THEN NEW.job_seeker_number_hash := NULL; END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER bookings_clear_search_hashes
  BEFORE INSERT OR UPDATE ON "bookings"
  FOR EACH ROW EXECUTE FUNCTION bookings_clear_search_hashes();
