/**
 * Product email templates of the coaching service, as typed functions: the
 * compiler checks every variable, and each returns the subject and text body
 * a notifier message needs.
 */
export interface EmailContent {
  subject: string;
  text: string;
}

export const productEmails = {
  registrationConfirmation(vars: { name: string; confirmUrl: string }): EmailContent {
    return {
      subject: `Welcome to Coachly, ${vars.name}: confirm your email`,
      text: `Hi ${vars.name},\n\nConfirm your address to start booking sessions:\n${vars.confirmUrl}\n\nThe Coachly team`,
    };
  },
  paymentFailure(vars: { name: string; amount: string; retryUrl: string }): EmailContent {
    return {
      subject: `Your payment of ${vars.amount} did not go through`,
      text: `Hi ${vars.name},\n\nWe could not charge ${vars.amount} for your last session. Your booking is kept for 24 hours.\nUpdate your card: ${vars.retryUrl}\n\nThe Coachly team`,
    };
  },
  subscriptionCancellation(vars: { name: string; endsOn: string }): EmailContent {
    return {
      subject: 'Your Coachly subscription is cancelled',
      text: `Hi ${vars.name},\n\nYour subscription is cancelled and stays active until ${vars.endsOn}. You can restart it at any time.\n\nThe Coachly team`,
    };
  },
  usageLimitWarning(vars: { name: string; used: number; limit: number }): EmailContent {
    const percent = Math.round((vars.used / vars.limit) * 100);
    return {
      subject: `You have used ${percent}% of your transcription minutes`,
      text: `Hi ${vars.name},\n\nYou have used ${vars.used} of ${vars.limit} transcription minutes this month.\n\nThe Coachly team`,
    };
  },
} as const;

export type ProductEmail = keyof typeof productEmails;
