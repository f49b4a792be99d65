-- CreateEnum
CREATE TYPE "booking_status" AS ENUM ('confirmed', 'cancelled', 'no_show', 'attended', 'contacted');

-- AlterTable
-- Converted in place (the generated DROP COLUMN + ADD COLUMN would have set every booking back
-- to 'confirmed'): each row keeps its status, and the two indexes on it are rebuilt by the
-- ALTER. A value outside the enum stops the migration here, with nothing changed. The text
-- default cannot be cast, so it is dropped first and set again as the enum's.
ALTER TABLE "bookings" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "bookings" ALTER COLUMN "status" TYPE "booking_status" USING ("status"::"booking_status");
ALTER TABLE "bookings" ALTER COLUMN "status" SET DEFAULT 'confirmed';
